batch_size = 8
bd_loader = dict(
    batch_size=8,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        data_prefix=dict(img_path='img_dir/train/'),
        data_root='data/procd_parts/scenes/',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                direction='horizontal', prob=0.5,
                type='mmpretrain.RandomFlip'),
            dict(type='procd_mm.PackImageInputs'),
        ],
        type='procd_mm.UnlabelledImageFolder'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
bd_objectives = dict(
    cos=dict(
        objective=dict(type='procd_mm.CosineSmoothL1Objective'),
        teacher_levels=[
            2,
        ]),
    mse=dict(
        objective=dict(type='procd_mm.MLPMSEObjective'), teacher_levels=[
            2,
        ]),
    pkd=dict(
        objective=dict(type='procd_mm.PKDObjective'),
        teacher_levels=[
            0,
            1,
            2,
        ]),
    pkl=dict(
        objective=dict(type='procd_mm.PatchSimilarityKLObjective'),
        teacher_levels=[
            2,
        ]))
bd_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(direction='horizontal', prob=0.5, type='mmpretrain.RandomFlip'),
    dict(type='procd_mm.PackImageInputs'),
]
classes = (
    'goat',
    'duck',
    'tractor',
    'lizard',
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
        by_epoch=False, interval=150, max_keep_ckpts=1, type='CheckpointHook'),
    logger=dict(interval=25, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'),
    visualization=dict(type='DetVisualizationHook'))
default_scope = 'mmdet'
dft_iters = 150
dft_stage1 = dict(
    default_hooks=dict(checkpoint=dict(interval=150)),
    param_scheduler=[
        dict(
            begin=0, by_epoch=False, end=15, start_factor=0.1,
            type='LinearLR'),
        dict(
            by_epoch=False, gamma=0.1, milestones=[
                120,
            ], type='MultiStepLR'),
    ],
    train_cfg=dict(max_iters=150, val_interval=150))
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='gloo'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
experiment_name = 'det_pt-dft-cos_stage1_seed1_20261206_005137'
fitnet = dict(
    loss_feat=dict(loss_weight=1.0, type='procd_mm.FeatureMSELoss'),
    teacher_amp=False)
load_from = None
log_level = 'INFO'
log_processor = dict(by_epoch=False, type='LogProcessor', window_size=25)
max_iters = 300
model = dict(
    objective=dict(type='procd_mm.CosineSmoothL1Objective'),
    student=dict(
        backbone=dict(
            depth=18,
            init_cfg=dict(
                checkpoint=
                'work_dirs/zoo/student_r18/student_r18_procd-parts-pretrain.pth',
                prefix='backbone.',
                type='Pretrained'),
            norm_eval=False,
            out_indices=(
                1,
                2,
                3,
            ),
            type='ResNet'),
        bbox_head=dict(
            anchor_generator=dict(
                octave_base_scale=4,
                ratios=[
                    0.5,
                    1.0,
                    2.0,
                ],
                scales_per_octave=3,
                strides=[
                    8,
                    16,
                    32,
                    64,
                ],
                type='AnchorGenerator'),
            bbox_coder=dict(
                target_means=[
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                ],
                target_stds=[
                    1.0,
                    1.0,
                    1.0,
                    1.0,
                ],
                type='DeltaXYWHBBoxCoder'),
            feat_channels=64,
            in_channels=64,
            loss_bbox=dict(loss_weight=1.0, type='L1Loss'),
            loss_cls=dict(
                alpha=0.25,
                gamma=2.0,
                loss_weight=1.0,
                type='FocalLoss',
                use_sigmoid=True),
            num_classes=4,
            stacked_convs=2,
            type='RetinaHead'),
        data_preprocessor=dict(
            bgr_to_rgb=True,
            mean=[
                123.675,
                116.28,
                103.53,
            ],
            pad_size_divisor=32,
            std=[
                58.395,
                57.12,
                57.375,
            ],
            type='DetDataPreprocessor'),
        neck=dict(
            add_extra_convs='on_input',
            in_channels=[
                128,
                256,
                512,
            ],
            num_outs=4,
            out_channels=64,
            start_level=0,
            type='FPN'),
        test_cfg=dict(
            max_per_img=20,
            min_bbox_size=0,
            nms=dict(iou_threshold=0.5, type='nms'),
            nms_pre=200,
            score_thr=0.05),
        train_cfg=dict(
            allowed_border=-1,
            assigner=dict(
                ignore_iof_thr=-1,
                min_pos_iou=0,
                neg_iou_thr=0.4,
                pos_iou_thr=0.5,
                type='MaxIoUAssigner'),
            debug=False,
            pos_weight=-1,
            sampler=dict(type='PseudoSampler')),
        type='RetinaNet'),
    teacher=dict(
        depth=50,
        init_cfg=None,
        out_indices=(
            1,
            2,
            3,
        ),
        type='mmpretrain.ResNet'),
    teacher_amp=False,
    teacher_ckpt='work_dirs/zoo/teacher_r50/teacher_r50_procd-parts-large.pth',
    teacher_levels=[
        2,
    ],
    type='procd_mm.BackboneDistiller')
optim_wrapper = dict(
    clip_grad=dict(max_norm=10.0, norm_type=2),
    optimizer=dict(lr=0.001, type='AdamW', weight_decay=0.05),
    type='OptimWrapper')
param_scheduler = [
    dict(begin=0, by_epoch=False, end=15, start_factor=0.1, type='LinearLR'),
    dict(by_epoch=False, gamma=0.1, milestones=[
        120,
    ], type='MultiStepLR'),
]
pkd = dict(
    loss_feat=dict(loss_weight=1.0, type='procd_mm.PearsonFeatureLoss'),
    teacher_amp=False)
procd = dict(
    aug_neck=dict(embed_channels=32, final_relu=False),
    guided=True,
    loss_feat=dict(
        loss_weight=1.0, normalize=True, type='procd_mm.FeatureMSELoss'),
    proto_head=dict(
        assign_temperature=0.1, channels=64, grid_level=0, num_prototypes=32),
    teacher_amp=False)
procd_det = dict(
    aug_neck=dict(embed_channels=32, final_relu=False),
    guided=True,
    guided_input='backbone',
    loss_feat=dict(
        loss_weight=1.0, normalize=True, type='procd_mm.FeatureMSELoss'),
    proto_head=dict(
        assign_temperature=0.1, channels=64, grid_level=0, num_prototypes=32),
    teacher_amp=False)
procd_seg = dict(
    aug_neck=dict(embed_channels=32, final_relu=False),
    guided=True,
    loss_feat=dict(
        loss_weight=1.0, normalize=True, type='procd_mm.FeatureMSELoss'),
    proto_head=dict(
        assign_temperature=0.1, channels=64, grid_level=0, num_prototypes=8),
    teacher_amp=False)
randomness = dict(deterministic=False, seed=1)
resume = False
runner_type = 'procd_mm.ProCDRunner'
student_init = dict(
    _delete_=True,
    checkpoint='work_dirs/zoo/student_r18/student_r18_procd-parts-pretrain.pth',
    prefix='backbone.',
    type='Pretrained')
student_init_v1c = dict(
    _delete_=True,
    checkpoint=
    'work_dirs/zoo/student_r18v1c/student_r18v1c_procd-parts-pretrain.pth',
    prefix='backbone.',
    type='Pretrained')
teacher_r50 = dict(
    depth=50, init_cfg=None, out_indices=(
        1,
        2,
        3,
    ), type='mmpretrain.ResNet')
teacher_r50_ckpt = 'work_dirs/zoo/teacher_r50/teacher_r50_procd-parts-large.pth'
test_cfg = None
test_dataloader = None
test_evaluator = None
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(keep_ratio=True, scale=(
        128,
        128,
    ), type='Resize'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        meta_keys=(
            'img_id',
            'img_path',
            'ori_shape',
            'img_shape',
            'scale_factor',
        ),
        type='PackDetInputs'),
]
train_cfg = dict(max_iters=150, type='IterBasedTrainLoop', val_interval=151)
train_dataloader = dict(
    batch_size=8,
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        data_prefix=dict(img_path='img_dir/train/'),
        data_root='data/procd_parts/scenes/',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(
                direction='horizontal', prob=0.5,
                type='mmpretrain.RandomFlip'),
            dict(type='procd_mm.PackImageInputs'),
        ],
        type='procd_mm.UnlabelledImageFolder'),
    num_workers=1,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(prob=0.5, type='RandomFlip'),
    dict(type='PackDetInputs'),
]
val_cfg = None
val_dataloader = None
val_evaluator = None
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    name='det_pt-dft-cos_stage1_seed1_20261206_005137',
    type='DetLocalVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
work_dir = 'work_dirs/zoo/val/det/pt-dft-cos/seed1/stage1'
