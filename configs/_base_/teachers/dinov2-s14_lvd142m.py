# Teacher: DINOv2 ViT-S/14 from mmpretrain, self-supervised on LVD-142M (no fine-tuning),
# converted by mmpretrain from facebookresearch/dinov2 (dinov2_vits14_pretrain.pth).
# Architecture as configs/dinov2/vit-small-p14_dinov2-pre_headless.py of mmpretrain 1.2.
# Three hidden layers are handed to the prototype head; the last one passes through the
# final norm (ln1), as DINOv2's patch features do.
# Offline: download the file once and point teacher_ckpt at it
# (--cfg-options model.teacher_ckpt=/path/to/file.pth).
teacher = dict(
    type='mmpretrain.VisionTransformer',
    arch='dinov2-small',
    img_size=518,
    patch_size=14,
    layer_scale_init_value=1e-5,
    out_indices=(5, 8, 11),
    out_type='featmap',
    drop_rate=0.0,
    drop_path_rate=0.0,
    init_cfg=None)
teacher_ckpt = 'https://download.openmmlab.com/mmpretrain/v1.0/dinov2/vit-small-p14_dinov2-pre_3rdparty_20230426-5641ca5a.pth'  # noqa: E501
# This checkpoint was trained on RGB inputs with the ImageNet mean/std (the data_preprocessor
# of mmpretrain's dinov2 configs).
teacher_input = dict(rgb=True, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
