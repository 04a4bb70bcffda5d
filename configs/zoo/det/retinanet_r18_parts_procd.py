# ProC-KD with K = 32 prototypes (chosen on the val split, see zoo_methods.py); the guided
# pass runs the student's FPN on the projected teacher stages (guided_input='backbone').
_base_ = ['../_base_/procd_parts_det.py', '../_base_/teacher_r18_parts.py', '../_base_/zoo_methods.py']
model = dict(
    _delete_=True,
    type='procd_mm.ProCDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    **_base_.procd_det)
