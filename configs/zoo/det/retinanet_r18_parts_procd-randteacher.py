# Control: ProC-KD with a randomly initialised teacher (teacher_ckpt=None). What this row gains
# over the plain student does not come from the pretrained teacher.
_base_ = ['../_base_/procd_parts_det.py', '../_base_/teacher_r18_parts.py', '../_base_/zoo_methods.py']
model = dict(
    _delete_=True,
    type='procd_mm.ProCDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_norm=_base_.teacher_norm,
    **_base_.procd)
model.update(teacher_ckpt=None)
