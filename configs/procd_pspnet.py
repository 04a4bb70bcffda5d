# Alias of procd/procd_vit-b_pspnet_r50-d8_4xb2-40k_cityscapes-512x1024.py
_base_ = ['./procd/procd_vit-b_pspnet_r50-d8_4xb2-40k_cityscapes-512x1024.py']
