# Stage 1: label-free distillation pretraining of DeepLabV3 R50-D8's backbone (ResNetV1c,
# from its ImageNet weights, as the stock config starts) on the Cityscapes training images
# (leftImg8bit/train, all cities), without their labels, from the ViT-B/16 teacher. Writes
# <work_dir>/backbone.pth; stage 2 is finetune_deeplabv3_r50-d8_4xb2-40k_cityscapes.py.
_base_ = [
    'mmseg::deeplabv3/deeplabv3_r50-d8_4xb2-40k_cityscapes-512x1024.py',
    '../_base_/teachers/vit-b16_in1k.py',
    '../_base_/pretrain/distill_pretrain.py',
]
model = dict(
    _delete_=True,
    type='procd_mm.BackboneDistiller',
    student=_base_.model,
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    objective=_base_.objective)
train_dataloader = dict(
    _delete_=True,
    dataset=dict(_base_.pretrain_dataset, data_root='data/cityscapes/',
                 data_prefix=dict(img_path='leftImg8bit/train/')),
    **_base_.pretrain_loader)
train_cfg = dict(_delete_=True, **_base_.pretrain_train_cfg)
optim_wrapper = dict(_delete_=True, **_base_.pretrain_optim_wrapper)
param_scheduler = _base_.pretrain_param_scheduler
auto_scale_lr = dict(_delete_=True, **_base_.pretrain_auto_scale_lr)
default_hooks = dict(_delete_=True, **_base_.pretrain_default_hooks)
custom_hooks = _base_.pretrain_custom_hooks
log_processor = dict(_delete_=True, **_base_.pretrain_log_processor)
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
# The stock config's top-level preprocessor (which the runner would hand to the model) needs
# labels; the distiller derives an images-only one from the student's.
data_preprocessor = None
