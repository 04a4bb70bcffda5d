# Copyright (c) procd_mm authors. All rights reserved.
"""Tiny configs and inputs for CPU tests: real configs, small teachers, small images."""
import copy
import os.path as osp
from typing import List, Sequence

import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

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


def _drop_init_and_syncbn(cfg):
    """Remove pretrained ``init_cfg`` (no downloads) and SyncBN (no process group)."""
    if isinstance(cfg, dict):
        if 'init_cfg' in cfg and isinstance(cfg['init_cfg'], dict) and \
                cfg['init_cfg'].get('type') == 'Pretrained':
            cfg['init_cfg'] = None
        if 'pretrained' in cfg:
            cfg['pretrained'] = None
        if cfg.get('type') == 'SyncBN':
            cfg['type'] = 'BN'
        for v in cfg.values():
            _drop_init_and_syncbn(v)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            _drop_init_and_syncbn(v)


def load_config(path: str) -> Config:
    """Load a config under ``configs/`` and enter its default scope."""
    cfg = Config.fromfile(osp.join(CONFIGS, path))
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    return cfg


def tiny_model_cfg(path: str, teacher: dict = TINY_VIT) -> ConfigDict:
    """The config's model, with a small random teacher and no pretrained downloads."""
    cfg = load_config(path)
    model = copy.deepcopy(cfg.model)
    model.teacher = ConfigDict(teacher)
    model.teacher_ckpt = None
    model.teacher_norm = None
    _drop_init_and_syncbn(model)
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


def inputs_for(model) -> dict:
    """Inputs matching the distiller's student task."""
    if model.adapter.task == 'seg':
        return seg_inputs(num_classes=model.student.decode_head.num_classes)
    roi = getattr(model.student, 'roi_head', None)
    with_mask = bool(roi is not None and getattr(roi, 'with_mask', False))
    return det_inputs(with_mask=with_mask)
