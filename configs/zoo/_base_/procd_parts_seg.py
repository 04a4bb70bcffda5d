# ProC-Parts semantic segmentation (mmseg img_dir/ann_dir, background + 4 classes, 128x128,
# 120 training images) with an FCN student on a ResNet-18 (not dilated) trained from scratch;
# its head reads stages 2-4 resized to stride 8 and concatenated. Same schedule as detection.
default_scope = 'mmseg'
custom_imports = dict(imports=['procd_mm.models', 'procd_mm.engine'], allow_failed_imports=False)
runner_type = 'procd_mm.ProCDRunner'
data_root = 'data/procd_parts/scenes/'
classes = ('background', 'goat', 'duck', 'tractor', 'lizard')
palette = [[0, 0, 0], [220, 20, 60], [0, 130, 230], [250, 170, 30], [60, 180, 75]]
crop_size = (128, 128)
max_iters = 300
batch_size = 8

model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
                           seg_pad_val=255, size=crop_size),
    backbone=dict(type='ResNetV1c', depth=18, num_stages=4, out_indices=(0, 1, 2, 3),
                  dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2), norm_cfg=dict(type='BN'),
                  norm_eval=False, style='pytorch', contract_dilation=True, init_cfg=None),
    decode_head=dict(
        type='FCNHead', in_channels=[128, 256, 512], in_index=[1, 2, 3],
        input_transform='resize_concat', channels=64, num_convs=2, concat_input=False,
        dropout_ratio=0.1, num_classes=len(classes), norm_cfg=dict(type='BN'),
        align_corners=False,
        # Objects cover ~6% of the pixels: unweighted, every student predicted background
        # everywhere after 300 iterations (mIoU 18.7 = background IoU / 5).
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         class_weight=[0.2, 1.0, 1.0, 1.0, 1.0], avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=False),
    dict(type='PackSegInputs'),
]


def _split(split, pipeline):
    return dict(type='BaseSegDataset', data_root=data_root,
                metainfo=dict(classes=classes, palette=palette),
                img_suffix='.jpg', seg_map_suffix='.png', reduce_zero_label=False,
                data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'),
                pipeline=pipeline)


train_dataloader = dict(batch_size=batch_size, num_workers=1, persistent_workers=True,
                        sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=_split('train', train_pipeline))
val_dataloader = dict(batch_size=8, num_workers=1, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=_split('val', test_pipeline))
test_dataloader = dict(val_dataloader, dataset=_split('test', test_pipeline))
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
del _split

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
                     clip_grad=dict(max_norm=10.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.8)], gamma=0.1),
]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=100, by_epoch=False, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='gloo'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=25, by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
