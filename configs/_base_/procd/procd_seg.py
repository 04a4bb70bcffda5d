# ProC-KD settings shared by segmentor students (augmentation on the decode heads' inputs).
_base_ = ['./procd_det.py']
procd = dict(loss_kl=dict(type='procd_mm.DenseKLLoss', loss_weight=1.0, temperature=1.0))
