_base_ = [
    'mmdet::fcos/fcos_r50-caffe_fpn_gn-head_1x_coco.py',
    '../_base_/teachers/vit-b16_in1k.py',
    '../_base_/procd/procd_det.py',
]
# The guided pass runs the student's own FPN on the teacher's three stages, projected one
# to one onto the three backbone stages the FPN reads (guided_input='backbone', ours): the
# zoo's detection default (docs/plans/one_recipe_results.md: the val-split choice); its
# cost at the COCO training shape is in docs/benchmark.md.
model = dict(
    _delete_=True,
    guided_input='backbone',
    type='procd_mm.ProCDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    **_base_.procd)
