# ProC-KD with K = 8 prototypes (chosen on the val split, see zoo_methods.py).
_base_ = ['../_base_/procd_parts_seg.py', '../_base_/teacher_r18_parts.py', '../_base_/zoo_methods.py']
model = dict(
    _delete_=True,
    type='procd_mm.ProCDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    **_base_.procd_seg)
