# PKD: Pearson-correlation feature distillation from the same teacher.
_base_ = ['../_base_/procd_parts_seg.py', '../_base_/teacher_r18_parts.py', '../_base_/zoo_methods.py']
model = dict(
    _delete_=True,
    type='procd_mm.FeatureDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    **_base_.pkd)
