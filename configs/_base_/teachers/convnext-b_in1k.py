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
teacher_norm = None  # ImageNet mean/std, the same as the students' data preprocessors
