# Control: ProC-KD without the guided pass, so without the teacher: the student with the
# augmentation neck, whose prototypes are learned by its task losses alone.
_base_ = ['./retinanet_r18_parts_procd.py']
model = dict(guided=False)
