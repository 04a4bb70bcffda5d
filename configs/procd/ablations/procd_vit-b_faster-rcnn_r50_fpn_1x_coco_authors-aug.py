# Ablation: the augmentation module exactly as the authors' code (no zero-initialised gate,
# ReLU after the residual) instead of procd_mm's dense-prediction defaults.
_base_ = ['../procd_vit-b_faster-rcnn_r50_fpn_1x_coco.py']
model = dict(aug_neck=dict(gate_init=1.0, final_relu=True))
