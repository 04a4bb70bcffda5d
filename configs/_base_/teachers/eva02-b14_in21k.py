# Teacher: EVA-02 ViT-B/14 from mmpretrain, masked-image-modelling pre-trained on ImageNet-21k
# (regressing EVA-CLIP features; no fine-tuning), converted by mmpretrain from
# baaivision/EVA (eva02_B_pt_in21k_p14.pt). Architecture as
# configs/eva02/eva02-base-p14_headless.py of mmpretrain 1.2: SwiGLU with sub-LN, 2-D RoPE,
# no final norm (the pre-trained file holds none).
# Three hidden layers are handed to the prototype head as feature maps.
# Offline: download the file once and point teacher_ckpt at it
# (--cfg-options model.teacher_ckpt=/path/to/file.pth).
teacher = dict(
    type='mmpretrain.ViTEVA02',
    arch='b',
    img_size=224,
    patch_size=14,
    sub_ln=True,
    final_norm=False,
    out_indices=(5, 8, 11),
    out_type='featmap',
    drop_rate=0.0,
    drop_path_rate=0.0,
    init_cfg=None)
teacher_ckpt = 'https://download.openmmlab.com/mmpretrain/v1.0/eva02/eva02-base-p14_pre_in21k_20230505-2f2d4d3c.pth'  # noqa: E501
# This checkpoint was trained on RGB inputs with the OpenAI CLIP mean/std (the
# data_preprocessor of mmpretrain's eva02 headless configs).
teacher_input = dict(
    rgb=True,
    mean=[0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
    std=[0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255])
