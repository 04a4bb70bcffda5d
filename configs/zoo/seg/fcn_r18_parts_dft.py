# Distill-then-fine-tune, stage 2: the plain student and schedule, its backbone initialised
# from stage 1 (fcn_r18_parts_dft-distill.py). run_zoo.py runs stage 1 first, saves its
# student's weights (stage1/student.pth, keys backbone.*, ...) and points the checkpoint at
# them; by hand: --cfg-options model.backbone.init_cfg.checkpoint=<those weights>
_base_ = ['../_base_/procd_parts_seg.py']
model = dict(backbone=dict(init_cfg=dict(
    _delete_=True, type='Pretrained', checkpoint='work_dirs/zoo/dft-distill.pth',
    prefix='backbone.')))
