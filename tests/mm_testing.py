# Copyright (c) procd_mm authors. All rights reserved.
"""Tiny configs and inputs for CPU tests: real configs, small teachers, small images."""
import copy
import os
import os.path as osp
from typing import List, Sequence

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from procd_mm.utils.offline import strip_downloads_and_syncbn

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(ROOT, 'configs')

TINY_VIT = dict(
    type='mmpretrain.VisionTransformer',
    arch='deit-tiny',
    img_size=224,
    patch_size=16,
    out_indices=(3, 7, 11),
    out_type='featmap',
    init_cfg=None)


def load_config(path: str) -> Config:
    """Load a config under ``configs/`` and enter its default scope."""
    from procd_mm.utils import register_all_modules
    register_all_modules(init_default_scope=False)  # procd_mm:: base configs
    cfg = Config.fromfile(osp.join(CONFIGS, path))
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    return cfg


def tiny_model_cfg(path: str, teacher: dict = TINY_VIT) -> ConfigDict:
    """The config's model, with a small random teacher and no pretrained downloads."""
    cfg = load_config(path)
    model = copy.deepcopy(cfg.model)
    model.teacher = ConfigDict(teacher)
    model.teacher_ckpt = None
    strip_downloads_and_syncbn(model)
    pre = model.student.get('data_preprocessor', {})
    if pre.get('size') is not None:  # mmseg pads every batch to the crop size
        pre['size'] = (64, 64)
    return model


def det_inputs(batch: int = 2, size: Sequence[int] = (96, 128), with_mask: bool = False,
               num_classes: int = 80) -> dict:
    """Packed detection inputs as a dataloader yields them."""
    from mmdet.testing import demo_mm_inputs
    return demo_mm_inputs(
        batch, [[3, *size]] * batch, num_classes=num_classes, with_mask=with_mask)


def seg_inputs(batch: int = 2, size: Sequence[int] = (64, 64), num_classes: int = 19) -> dict:
    """Packed segmentation inputs as a dataloader yields them."""
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    inputs: List[torch.Tensor] = []
    samples = []
    for _ in range(batch):
        inputs.append(torch.randint(0, 255, (3, *size), generator=g, dtype=torch.uint8))
        sample = SegDataSample()
        sample.set_metainfo(
            dict(img_shape=tuple(size), ori_shape=tuple(size), pad_shape=tuple(size),
                 scale_factor=(1.0, 1.0), flip=False, img_path='demo.png'))
        label = torch.randint(0, num_classes, (1, *size), generator=g)
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def teacher_keys(keys) -> List[str]:
    """The keys of the frozen teacher module among state-dict ``keys``: ``teacher.*``, or
    ``._teacher`` inside a wrapper. ``teacher_proj.*`` (the student-side projections of
    ``guided_input='backbone'``) is trained and saved, so it is not one of them."""
    return [k for k in keys if k.split('.')[0] == 'teacher' or '._teacher' in k]


def is_segmentor(model) -> bool:
    """Whether the distiller's student is an mmseg segmentor."""
    from mmseg.models.segmentors import BaseSegmentor
    return isinstance(model.student, BaseSegmentor)


def inputs_for(model) -> dict:
    """Inputs matching the distiller's student task."""
    if is_segmentor(model):
        return seg_inputs(num_classes=model.student.decode_head.num_classes)
    roi = getattr(model.student, 'roi_head', None)
    with_mask = bool(roi is not None and getattr(roi, 'with_mask', False))
    return det_inputs(with_mask=with_mask)


def write_tiny_coco(root: str, num_images: int = 8, size: int = 64, num_classes: int = 3,
                    seed: int = 0) -> str:
    """Write a tiny COCO-format detection set (coloured boxes on noise) under ``root``.

    Returns:
        str: ``root``, holding ``images/*.png`` and ``train.json`` (also used as val).
    """
    import json

    from PIL import Image
    rng = np.random.RandomState(seed)
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        img = rng.randint(0, 60, (size, size, 3)).astype(np.uint8)
        for _ in range(rng.randint(1, 3)):
            w, h = rng.randint(size // 6, size // 2, 2)
            x, y = rng.randint(0, size - w), rng.randint(0, size - h)
            cat = int(rng.randint(num_classes))
            img[y:y + h, x:x + w] = 80 + 80 * np.eye(3)[cat] * 2
            annotations.append(dict(id=len(annotations) + 1, image_id=i + 1, category_id=cat + 1,
                                    bbox=[int(x), int(y), int(w), int(h)], area=int(w * h),
                                    iscrowd=0))
        name = f'{i:04d}.png'
        Image.fromarray(img).save(osp.join(root, 'images', name))
        images.append(dict(id=i + 1, file_name=name, width=size, height=size))
    cats = [dict(id=c + 1, name=f'class{c}') for c in range(num_classes)]
    with open(osp.join(root, 'train.json'), 'w') as f:
        json.dump(dict(images=images, annotations=annotations, categories=cats), f)
    return root


def tiny_det_train_cfg(data_root: str, work_dir: str, max_iters: int = 4) -> 'Config':
    """A complete, fast ProC-KD training config (RetinaNet-R18, tiny ResNet teacher) on
    :func:`write_tiny_coco` data, for runner/tool tests."""
    classes = ('class0', 'class1', 'class2')
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='Resize', scale=(64, 64), keep_ratio=True),
        dict(type='PackDetInputs'),
    ]
    dataset = dict(type='CocoDataset', data_root=data_root, ann_file='train.json',
                   data_prefix=dict(img='images/'), metainfo=dict(classes=classes),
                   filter_cfg=dict(filter_empty_gt=True), pipeline=pipeline)
    loader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                  sampler=dict(type='DefaultSampler', shuffle=True), dataset=dataset)
    val_loader = dict(loader, sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(dataset, test_mode=True))
    student = dict(
        type='RetinaNet',
        data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                               pad_size_divisor=32),
        backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3), norm_eval=False),
        neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=32, start_level=0,
                  add_extra_convs='on_input', num_outs=4),
        bbox_head=dict(
            type='RetinaHead', num_classes=3, in_channels=32, feat_channels=32,
            stacked_convs=1,
            anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                                  scales_per_octave=3, ratios=[0.5, 1.0, 2.0],
                                  strides=[8, 16, 32, 64]),
            bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0, .0, .0, .0],
                            target_stds=[1.0, 1.0, 1.0, 1.0]),
            loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25,
                          loss_weight=1.0),
            loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
        train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                                     min_pos_iou=0, ignore_iof_thr=-1),
                       sampler=dict(type='PseudoSampler'), allowed_border=-1, pos_weight=-1,
                       debug=False),
        test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.05,
                      nms=dict(type='nms', iou_threshold=0.5), max_per_img=20))
    return Config(dict(
        default_scope='mmdet',
        custom_imports=dict(imports=['procd_mm.models', 'procd_mm.engine'],
                            allow_failed_imports=False),
        runner_type='procd_mm.ProCDRunner',
        work_dir=work_dir,
        model=dict(
            type='procd_mm.ProCDistiller', student=student,
            teacher=dict(type='mmpretrain.ResNet', depth=18, out_indices=(1, 2, 3)),
            teacher_ckpt=None,
            proto_head=dict(channels=32, num_prototypes=8),
            aug_neck=dict(embed_channels=16)),
        train_dataloader=loader,
        val_dataloader=val_loader,
        test_dataloader=val_loader,
        val_evaluator=dict(type='CocoMetric', ann_file=osp.join(data_root, 'train.json'),
                           metric='bbox'),
        test_evaluator=dict(type='CocoMetric', ann_file=osp.join(data_root, 'train.json'),
                            metric='bbox'),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10**6),
        val_cfg=dict(type='ValLoop'),
        test_cfg=dict(type='TestLoop'),
        optim_wrapper=dict(type='OptimWrapper',
                           optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)),
        param_scheduler=[dict(type='MultiStepLR', by_epoch=False, milestones=[max_iters // 2])],
        default_hooks=dict(
            timer=dict(type='IterTimerHook'),
            logger=dict(type='LoggerHook', interval=1),
            param_scheduler=dict(type='ParamSchedulerHook'),
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            sampler_seed=dict(type='DistSamplerSeedHook')),
        env_cfg=dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork'),
                     dist_cfg=dict(backend='gloo')),
        log_processor=dict(type='LogProcessor', window_size=1, by_epoch=False),
        log_level='INFO',
        load_from=None,
        resume=False,
        randomness=dict(seed=0, deterministic=False)))


def write_image_folder(root: str, num_images: int = 6, size: int = 48) -> str:
    """Random images in nested sub-folders (and a file that is not an image), no labels."""
    import mmcv
    rng = np.random.RandomState(0)
    for i in range(num_images):
        sub = osp.join(root, f'part{i % 2}', 'nested' if i % 3 == 0 else '')
        os.makedirs(sub, exist_ok=True)
        ext = ('.jpg', '.png', '.JPEG')[i % 3]
        mmcv.imwrite(rng.randint(0, 255, (size, size + 8 * i, 3)).astype(np.uint8),
                     osp.join(sub, f'img{i}{ext}'))
    with open(osp.join(root, 'README.txt'), 'w') as f:
        f.write('not an image')
    return root


def tiny_pretrain_cfg(img_root: str, work_dir: str, max_iters: int = 4) -> 'Config':
    """The shipped COCO pretraining config at toy size: a small random teacher, 64-px crops,
    batch 2, a checkpoint every 2 iterations, nothing downloaded."""
    cfg = load_config('pretrain/pretrain_vit-b_faster-rcnn_r50_coco.py')
    cfg.work_dir = work_dir
    cfg.model.teacher = ConfigDict(type='mmpretrain.ResNet', depth=18, out_indices=(3, ))
    cfg.model.teacher_ckpt = None
    strip_downloads_and_syncbn(cfg.model)
    loader = cfg.train_dataloader
    loader.update(batch_size=2, num_workers=0, persistent_workers=False)
    loader.dataset.update(data_root=img_root, data_prefix=dict(img_path=''))
    loader.dataset.pipeline[1].scale = 64
    cfg.train_cfg.max_iters = max_iters
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
                                end=max_iters)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 2
    cfg.randomness = dict(seed=0)
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'),
                       mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
    return cfg
