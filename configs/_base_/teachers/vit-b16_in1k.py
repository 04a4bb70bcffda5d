# Teacher: ViT-B/16 from mmpretrain, ImageNet-21k pretrained, ImageNet-1k fine-tuned at 384 px.
# Three hidden layers are handed to the prototype head, as in the authors' code.
# Offline: download the file once and point teacher_ckpt at it
# (--cfg-options model.teacher_ckpt=/path/to/file.pth).
teacher = dict(
    type='mmpretrain.VisionTransformer',
    arch='b',
    img_size=384,
    patch_size=16,
    out_indices=(5, 8, 11),
    out_type='featmap',
    drop_rate=0.0,
    drop_path_rate=0.0,
    init_cfg=None)
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/vit/finetune/vit-base-p16_in21k-pre-3rdparty_ft-64xb64_in1k-384_20210928-98e8652b.pth'  # noqa: E501
# This checkpoint was trained on RGB inputs normalised with mean = std = 127.5.
teacher_input = dict(rgb=True, mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5])
