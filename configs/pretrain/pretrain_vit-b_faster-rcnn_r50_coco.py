# Stage 1: label-free distillation pretraining of Faster R-CNN R50-FPN's backbone (from its
# ImageNet weights, as the stock config starts) on COCO train2017's images, without their
# annotations, from the ViT-B/16 teacher. Writes <work_dir>/backbone.pth; stage 2 is
# finetune_faster-rcnn_r50_fpn_1x_coco.py. Any student: swap the first base for its stock
# config; any folder of images: set train_dataloader.dataset.data_root / data_prefix.
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
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
    dataset=dict(_base_.pretrain_dataset, data_root='data/coco/',
                 data_prefix=dict(img_path='train2017/')),
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
