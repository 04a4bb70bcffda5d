# Realistic regime, no distillation: the plain student with its backbone pretrained.
_base_ = ['./retinanet_r18_parts_plain.py', '../_base_/pretrained_regime.py']
model = dict(backbone=dict(init_cfg=_base_.student_init))
