# Realistic regime, no distillation: the plain segmentor with its backbone pretrained.
_base_ = ['./fcn_r18_parts_plain.py', '../_base_/pretrained_regime.py']
model = dict(backbone=dict(init_cfg=_base_.student_init_v1c))
