# Stage 2: the stock DeepLabV3 R50-D8 40k Cityscapes run, its backbone initialised from
# stage 1 (pretrain_vit-b_deeplabv3_r50-d8_cityscapes.py) instead of model.pretrained.
_base_ = ['mmseg::deeplabv3/deeplabv3_r50-d8_4xb2-40k_cityscapes-512x1024.py']
model = dict(
    pretrained=None,
    backbone=dict(init_cfg=dict(
        type='Pretrained',
        checkpoint='work_dirs/pretrain_vit-b_deeplabv3_r50-d8_cityscapes/backbone.pth',
        prefix='backbone.')))
# Run with procd_mm's tools (tools/train.py, dist_train.sh), as every config here.
runner_type = 'procd_mm.ProCDRunner'
custom_imports = dict(imports=['procd_mm.engine'], allow_failed_imports=False)
