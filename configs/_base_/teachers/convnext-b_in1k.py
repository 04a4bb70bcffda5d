# Teacher: ConvNeXt-B from mmpretrain, trained on ImageNet-1k.
# Offline: --cfg-options model.teacher_ckpt=/path/to/file.pth
teacher = dict(
    type='mmpretrain.ConvNeXt',
    arch='base',
    out_indices=(1, 2, 3),
    gap_before_final_norm=False,
    drop_path_rate=0.0,
    init_cfg=None)
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/convnext/convnext-base_32xb128_in1k_20221207-fbdb5eb9.pth'  # noqa: E501
# What the weights were trained on (mmpretrain's ImageNet preprocessing): RGB, ImageNet mean/std.
teacher_input = dict(rgb=True, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
