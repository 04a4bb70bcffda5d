# Ablation / cheap mode: no guided pass (no guided task losses, no feature distillation);
# the student is still augmented with the teacher's prototypes.
_base_ = ['../procd_vit-b_faster-rcnn_r50_fpn_1x_coco.py']
model = dict(guided=False)
