# Alias of procd/procd_vit-b_mask-rcnn_r50_fpn_1x_coco.py
_base_ = ['./procd/procd_vit-b_mask-rcnn_r50_fpn_1x_coco.py']
