# Stage 1 for an mmpretrain classifier: label-free distillation pretraining of ResNet-50's
# backbone (random init, as the stock config) on ImageNet's training images without labels,
# from the ViT-B/16 teacher. Stage 2 is the stock run with
# model.backbone.init_cfg=dict(type='Pretrained', checkpoint=<work_dir>/backbone.pth,
# prefix='backbone.').
_base_ = [
    'mmpretrain::resnet/resnet50_8xb32_in1k.py',
    '../_base_/teachers/vit-b16_in1k.py',
    '../_base_/pretrain/distill_pretrain.py',
]
model = dict(
    _delete_=True,
    type='procd_mm.BackboneDistiller',
    student=dict(_base_.model, data_preprocessor=_base_.data_preprocessor),
    teacher=_base_.teacher,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_input=_base_.teacher_input,
    objective=_base_.objective)
train_dataloader = dict(
    _delete_=True,
    dataset=dict(_base_.pretrain_dataset, data_root='data/imagenet/',
                 data_prefix=dict(img_path='train/')),
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
