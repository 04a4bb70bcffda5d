_base_ = [
    'mmseg::pspnet/pspnet_r50-d8_4xb2-40k_cityscapes-512x1024.py',
    '../_base_/teachers/vit-b16_in1k.py',
    '../_base_/procd/procd_seg.py',
]
model = dict(
    _delete_=True,
    type='procd_mm.ProCDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    **_base_.procd)
