# Control: no guided pass, so no teacher. The student trains with the augmentation neck,
# whose prototypes are learned by its task losses alone (what the neck's capacity gives
# without the teacher's knowledge).
_base_ = ['../procd_vit-b_faster-rcnn_r50_fpn_1x_coco.py']
model = dict(guided=False)
