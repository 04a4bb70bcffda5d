# Label-free distillation pretraining (stage 1 of the pipeline): what every
# configs/pretrain/ file shares. Names are prefixed ``pretrain_`` because each leaf also
# inherits a stock mmdet/mmseg/mmpretrain config (for its student model), and bases may not
# share keys: the leaf replaces the stock run's data, schedule and hooks with these.
#
# Choices here are ours, not measured at COCO/Cityscapes scale on this project's machines:
# 512-px random resized crops with flips, AdamW 1e-3 (batch 16 per GPU, scaled with
# --auto-scale-lr from 8 x 16), cosine decay after a linear warm-up, 40k iterations.

# The objective: PKD until the objective selection (docs/pretraining.md) has run.
objective = dict(type='procd_mm.PKDObjective')

pretrain_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=512, crop_ratio_range=(0.25, 1.0)),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='procd_mm.PackImageInputs'),
]
# Set data_root and data_prefix.img_path in the leaf: any folder of images, no annotations.
pretrain_dataset = dict(type='procd_mm.UnlabelledImageFolder', data_root='',
                        data_prefix=dict(img_path=''), pipeline=pretrain_pipeline)
pretrain_loader = dict(batch_size=16, num_workers=4, persistent_workers=True,
                       sampler=dict(type='InfiniteSampler', shuffle=True),
                       collate_fn=dict(type='pseudo_collate'))
pretrain_train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000)
pretrain_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=3.0))
pretrain_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=1000),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=1000, end=40000, eta_min=1e-6),
]
pretrain_auto_scale_lr = dict(enable=False, base_batch_size=128)
# Progress and ETA every 50 iterations; a resumable checkpoint every 2000 (last 3 kept);
# the backbone file (backbone.pth in the work dir) at the end.
pretrain_default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))
pretrain_custom_hooks = [dict(type='procd_mm.BackboneExportHook', out='backbone.pth')]
pretrain_log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
runner_type = 'procd_mm.ProCDRunner'
custom_imports = dict(imports=['procd_mm.models', 'procd_mm.datasets', 'procd_mm.engine'],
                      allow_failed_imports=False)
