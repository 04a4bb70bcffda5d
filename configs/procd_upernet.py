# Alias of procd/procd_vit-b_upernet_r50_4xb4-80k_ade20k-512x512.py
_base_ = ['./procd/procd_vit-b_upernet_r50_4xb4-80k_ade20k-512x512.py']
