# Ablation: ProC-KD without the feature loss (guided losses kept).
_base_ = ['./fcn_r18_parts_procd.py']
model = dict(loss_feat=None)
