# PKD on the backbone stages: each teacher stage against the student stage of the same
# stride (one to one), instead of the last teacher stage at the levels the heads read.
_base_ = ['../_base_/procd_parts_seg.py', '../_base_/teacher_r18_parts.py', '../_base_/zoo_methods.py']
model = dict(
    _delete_=True,
    type='procd_mm.FeatureDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_norm=_base_.teacher_norm,
    **_base_.pkd_backbone)
