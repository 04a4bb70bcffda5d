# Teacher: CLIP ViT-B/16 image tower from mmpretrain: OpenAI CLIP pre-trained, then
# fine-tuned on ImageNet-1k at 224 px by timm (vit_base_patch16_clip_224.openai_ft_in1k),
# converted by mmpretrain. mmpretrain 1.2's metafile has no image-text (zero-shot) ViT-B/16
# file; this is its CLIP ViT-B/16 with OpenAI pre-training. Architecture as
# configs/clip/vit-base-p16_pt-64xb64_in1k.py: a ViT-B/16 with CLIP's pre-norm (GELU, as
# timm's fine-tuned model has it).
# Three hidden layers are handed to the prototype head; the last one passes through the
# final norm (ln1).
# Offline: download the file once and point teacher_ckpt at it
# (--cfg-options model.teacher_ckpt=/path/to/file.pth).
teacher = dict(
    type='mmpretrain.VisionTransformer',
    arch='b',
    img_size=224,
    patch_size=16,
    pre_norm=True,
    out_indices=(5, 8, 11),
    out_type='featmap',
    drop_rate=0.0,
    drop_path_rate=0.0,
    init_cfg=None)
teacher_ckpt = 'https://download.openmmlab.com/mmclassification/v0/clip/clip-vit-base-p16_openai-pre_3rdparty_in1k_20221220-c7d9c899.pth'  # noqa: E501
# This checkpoint was trained on RGB inputs with the OpenAI CLIP mean/std: timm fine-tuned
# it so (OPENAI_CLIP_MEAN/STD in its pretrained config), as mmpretrain's CLIP zero-shot
# configs normalise. (mmpretrain's vit-base-p16_pt-64xb64_in1k.py inherits the ImageNet
# mean/std of its dataset base instead.)
teacher_input = dict(
    rgb=True,
    mean=[0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255],
    std=[0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255])
