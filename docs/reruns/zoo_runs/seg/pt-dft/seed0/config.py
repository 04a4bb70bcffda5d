batch_size = 8
classes = (
    'background',
    'goat',
    'duck',
    'tractor',
    'lizard',
)
crop_size = (
    128,
    128,
)
custom_imports = dict(
    allow_failed_imports=False,
    imports=[
        'procd_mm.models',
        'procd_mm.engine',
    ])
data_root = 'data/procd_parts/scenes/'
default_hooks = dict(
    checkpoint=dict(
        by_epoch=False, interval=100, max_keep_ckpts=1, type='CheckpointHook'),
    logger=dict(interval=25, log_metric_by_epoch=False, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'),
    visualization=dict(type='SegVisualizationHook'))
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='gloo'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
experiment_name = 'seg_pt-dft_seed0_20261205_141140'
load_from = None
log_level = 'INFO'
log_processor = dict(by_epoch=False, type='LogProcessor', window_size=25)
max_iters = 300
model = dict(
    backbone=dict(
        contract_dilation=True,
        depth=18,
        dilations=(
            1,
            1,
            1,
            1,
        ),
        init_cfg=dict(
            checkpoint='work_dirs/zoo/seg/pt-dft/seed0/stage1/student.pth',
            prefix='backbone.',
            type='Pretrained'),
        norm_cfg=dict(type='BN'),
        norm_eval=False,
        num_stages=4,
        out_indices=(
            0,
            1,
            2,
            3,
        ),
        strides=(
            1,
            2,
            2,
            2,
        ),
        style='pytorch',
        type='ResNetV1c'),
    data_preprocessor=dict(
        bgr_to_rgb=True,
        mean=[
            123.675,
            116.28,
            103.53,
        ],
        pad_val=0,
        seg_pad_val=255,
        size=(
            128,
            128,
        ),
        std=[
            58.395,
            57.12,
            57.375,
        ],
        type='SegDataPreProcessor'),
    decode_head=dict(
        align_corners=False,
        channels=64,
        concat_input=False,
        dropout_ratio=0.1,
        in_channels=[
            128,
            256,
            512,
        ],
        in_index=[
            1,
            2,
            3,
        ],
        input_transform='resize_concat',
        loss_decode=dict(
            avg_non_ignore=True,
            class_weight=[
                0.2,
                1.0,
                1.0,
                1.0,
                1.0,
            ],
            loss_weight=1.0,
            type='CrossEntropyLoss',
            use_sigmoid=False),
        norm_cfg=dict(type='BN'),
        num_classes=5,
        num_convs=2,
        type='FCNHead'),
    test_cfg=dict(mode='whole'),
    train_cfg=dict(),
    type='EncoderDecoder')
optim_wrapper = dict(
    clip_grad=dict(max_norm=10.0, norm_type=2),
    optimizer=dict(lr=0.001, type='AdamW', weight_decay=0.05),
    type='OptimWrapper')
palette = [
    [
        0,
        0,
        0,
    ],
    [
        220,
        20,
        60,
    ],
    [
        0,
        130,
        230,
    ],
    [
        250,
        170,
        30,
    ],
    [
        60,
        180,
        75,
    ],
]
param_scheduler = [
    dict(begin=0, by_epoch=False, end=30, start_factor=0.1, type='LinearLR'),
    dict(by_epoch=False, gamma=0.1, milestones=[
        240,
    ], type='MultiStepLR'),
]
randomness = dict(deterministic=False, seed=0)
resume = False
runner_type = 'procd_mm.ProCDRunner'
test_cfg = dict(type='TestLoop')
test_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_prefix=dict(img_path='img_dir/test', seg_map_path='ann_dir/test'),
        data_root='data/procd_parts/scenes/',
        img_suffix='.jpg',
        metainfo=dict(
            classes=(
                'background',
                'goat',
                'duck',
                'tractor',
                'lizard',
            ),
            palette=[
                [
                    0,
                    0,
                    0,
                ],
                [
                    220,
                    20,
                    60,
                ],
                [
                    0,
                    130,
                    230,
                ],
                [
                    250,
                    170,
                    30,
                ],
                [
                    60,
                    180,
                    75,
                ],
            ]),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(reduce_zero_label=False, type='LoadAnnotations'),
            dict(type='PackSegInputs'),
        ],
        reduce_zero_label=False,
        seg_map_suffix='.png',
        type='BaseSegDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(
    iou_metrics=[
        'mIoU',
    ], type='IoUMetric')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(reduce_zero_label=False, type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_cfg = dict(max_iters=300, type='IterBasedTrainLoop', val_interval=301)
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        data_root='data/procd_parts/scenes/',
        img_suffix='.jpg',
        metainfo=dict(
            classes=(
                'background',
                'goat',
                'duck',
                'tractor',
                'lizard',
            ),
            palette=[
                [
                    0,
                    0,
                    0,
                ],
                [
                    220,
                    20,
                    60,
                ],
                [
                    0,
                    130,
                    230,
                ],
                [
                    250,
                    170,
                    30,
                ],
                [
                    60,
                    180,
                    75,
                ],
            ]),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(reduce_zero_label=False, type='LoadAnnotations'),
            dict(prob=0.5, type='RandomFlip'),
            dict(type='PackSegInputs'),
        ],
        reduce_zero_label=False,
        seg_map_suffix='.png',
        type='BaseSegDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(reduce_zero_label=False, type='LoadAnnotations'),
    dict(prob=0.5, type='RandomFlip'),
    dict(type='PackSegInputs'),
]
val_cfg = dict(type='ValLoop')
val_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        data_root='data/procd_parts/scenes/',
        img_suffix='.jpg',
        metainfo=dict(
            classes=(
                'background',
                'goat',
                'duck',
                'tractor',
                'lizard',
            ),
            palette=[
                [
                    0,
                    0,
                    0,
                ],
                [
                    220,
                    20,
                    60,
                ],
                [
                    0,
                    130,
                    230,
                ],
                [
                    250,
                    170,
                    30,
                ],
                [
                    60,
                    180,
                    75,
                ],
            ]),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(reduce_zero_label=False, type='LoadAnnotations'),
            dict(type='PackSegInputs'),
        ],
        reduce_zero_label=False,
        seg_map_suffix='.png',
        type='BaseSegDataset'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
val_evaluator = dict(
    iou_metrics=[
        'mIoU',
    ], type='IoUMetric')
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    name='seg_pt-dft_seed0_20261205_141140',
    type='SegLocalVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = 'work_dirs/zoo/seg/pt-dft/seed0'
