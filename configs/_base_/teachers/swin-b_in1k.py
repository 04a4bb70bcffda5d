# Teacher: Swin-B (window 7, 224 px) from mmpretrain, trained on ImageNet-1k.
# Offline: --cfg-options model.teacher_ckpt=/path/to/file.pth
teacher = dict(
    type='mmpretrain.SwinTransformer',
    arch='base',
    img_size=224,
    out_indices=(1, 2, 3),
    drop_path_rate=0.0,
    init_cfg=None)
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/swin-transformer/swin_base_224_b16x64_300e_imagenet_20210616_190742-93230b0d.pth'  # noqa: E501
# What the weights were trained on (mmpretrain's ImageNet preprocessing): RGB, ImageNet mean/std.
teacher_input = dict(rgb=True, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
