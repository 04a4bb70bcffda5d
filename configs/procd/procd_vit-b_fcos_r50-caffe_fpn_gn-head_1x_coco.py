_base_ = [
    'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py',
    '../_base_/teachers/vit-b16_in1k.py',
    '../_base_/procd/procd_det.py',
]
model = dict(
    _delete_=True,
    type='procd_mm.ProCDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    **_base_.procd_single_stage)
