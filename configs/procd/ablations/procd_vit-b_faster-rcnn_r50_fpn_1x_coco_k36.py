# Ablation: K = 36 prototypes instead of the authors' 72.
_base_ = ['../procd_vit-b_faster-rcnn_r50_fpn_1x_coco.py']
model = dict(proto_head=dict(num_prototypes=36))
