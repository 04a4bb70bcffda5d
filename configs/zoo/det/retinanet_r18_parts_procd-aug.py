# Ablation: the guided pass enters at the augmentation neck (guided_input='aug'): the
# aligned prototype-enhanced teacher map is added to the student's FPN outputs; the FPN
# never reads the teacher.
_base_ = ['./retinanet_r18_parts_procd.py']
model = dict(guided_input='aug')
