# Alias of procd/procd_vit-b_fcos_r50-caffe_fpn_gn-head_1x_coco.py
_base_ = ['./procd/procd_vit-b_fcos_r50-caffe_fpn_gn-head_1x_coco.py']
