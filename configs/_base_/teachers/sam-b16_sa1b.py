# Teacher: SAM ViT-B/16 image encoder from mmpretrain, trained on SA-1B at 1024 px,
# converted by mmpretrain from facebookresearch/segment-anything (sam_vit_b_01ec64.pth).
# Architecture as configs/sam/vit-base-p16_sam_headless.py of mmpretrain 1.2: windowed
# attention (14x14) with global attention in layers 2, 5, 8, 11 and relative positions.
# The three global-attention layers 5, 8, 11 are handed to the prototype head. mmpretrain's
# ViTSAM passes every chosen layer through SAM's neck (channel_reduction: 768 -> 256
# channels, 1x1 and 3x3 convolutions with LayerNorm2d), which the checkpoint holds; with
# out_channels=0 the maps would be the raw 768-channel tokens, but the neck's weights would
# then be unexpected keys (model.teacher_ckpt_strict=False).
# Offline: download the file once and point teacher_ckpt at it
# (--cfg-options model.teacher_ckpt=/path/to/file.pth).
teacher = dict(
    type='mmpretrain.ViTSAM',
    arch='base',
    img_size=1024,
    patch_size=16,
    out_channels=256,
    use_abs_pos=True,
    use_rel_pos=True,
    window_size=14,
    out_indices=(5, 8, 11),
    out_type='featmap',
    drop_rate=0.0,
    drop_path_rate=0.0,
    init_cfg=None)
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v1/vit_sam/vit-base-p16_sam-pre_3rdparty_sa1b-1024px_20230411-2320f9cc.pth'  # noqa: E501
# This checkpoint was trained on RGB inputs with the ImageNet mean/std (SAM's pixel
# mean/std; the data_preprocessor of mmpretrain's sam configs).
teacher_input = dict(rgb=True, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
