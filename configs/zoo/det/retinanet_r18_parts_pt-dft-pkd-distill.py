# Realistic regime, distill-then-fine-tune with BackboneDistiller, stage 1, PKD objective:
# the pretrained student's backbone (retinanet_r18_parts_pt-plain.py) distilled from
# the ResNet-50 teacher on the training images without labels
# (../_base_/backbone_distill.py). Stage 2 is retinanet_r18_parts_pt-dft-pkd.py; the
# other objectives change model only.
_base_ = [
    './retinanet_r18_parts_pt-plain.py', '../_base_/zoo_methods.py',
    '../_base_/backbone_distill.py'
]
model = dict(
    _delete_=True,
    type='procd_mm.BackboneDistiller',
    student=_base_.model,
    teacher=_base_.teacher_r50,
    teacher_ckpt=_base_.teacher_r50_ckpt,
    teacher_amp=False,
    **_base_.bd_objectives['pkd'])
train_dataloader = dict(_delete_=True, **_base_.bd_loader)
train_cfg = _base_.dft_stage1.train_cfg
param_scheduler = _base_.dft_stage1.param_scheduler
default_hooks = _base_.dft_stage1.default_hooks
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
