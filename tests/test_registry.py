# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm's registries, and mixing scopes from a procd_mm config."""
import pytest
import torch
from mmengine import DefaultScope
from mmengine.config import Config
from mmengine.registry import init_default_scope

import procd_mm
from procd_mm import registry as procd_registry
from procd_mm.utils import register_all_modules

# (registry name, a class of each scope that lives in that registry)
SCOPED = [
    ('MODELS', ['procd_mm.ProCDistiller', 'mmdet.FasterRCNN', 'mmseg.EncoderDecoder',
                'mmpretrain.VisionTransformer']),
    ('DATASETS', ['mmdet.CocoDataset', 'mmseg.CityscapesDataset', 'mmpretrain.CustomDataset']),
    ('TRANSFORMS', ['mmdet.PackDetInputs', 'mmseg.PackSegInputs', 'mmpretrain.PackInputs']),
    ('METRICS', ['mmdet.CocoMetric', 'mmseg.IoUMetric', 'mmpretrain.Accuracy']),
    ('HOOKS', ['mmdet.DetVisualizationHook', 'mmseg.SegVisualizationHook',
               'mmpretrain.VisualizationHook']),
    ('VISUALIZERS', ['mmdet.DetLocalVisualizer', 'mmseg.SegLocalVisualizer',
                     'mmpretrain.UniversalVisualizer']),
    ('TASK_UTILS', ['mmdet.MaxIoUAssigner', 'mmseg.OHEMPixelSampler']),
    ('RUNNERS', ['procd_mm.ProCDRunner']),
    ('OPTIM_WRAPPERS', ['procd_mm.CPUAmpOptimWrapper', 'AmpOptimWrapper']),
]


def test_package_imports():
    from importlib import import_module
    assert procd_mm.__version__ == '.'.join(map(str, procd_mm.version_info[:3]))
    for mod in ('procd_mm.engine', 'procd_mm.models', 'procd_mm.utils', 'procd_mm.apis'):
        import_module(mod)


def test_register_all_modules_sets_scope():
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'procd_mm'


@pytest.mark.parametrize('name,types', SCOPED)
def test_registry_resolves_all_scopes(name, types):
    registry = getattr(procd_registry, name)
    assert registry.scope == 'procd_mm'
    init_default_scope('procd_mm')
    for t in types:
        assert registry.get(t) is not None, f'{name} cannot resolve {t}'


def test_every_registry_is_a_child_of_mmengine():
    import mmengine.registry as mmengine_registry
    for name in dir(procd_registry):
        obj = getattr(procd_registry, name)
        if isinstance(obj, mmengine_registry.Registry) and not name.startswith('MMENGINE'):
            assert obj.parent is getattr(mmengine_registry, name), name


def test_our_classes_resolve_from_mmdet_and_mmseg_scopes():
    from mmdet.registry import MODELS as DET_MODELS
    from mmseg.registry import MODELS as SEG_MODELS
    init_default_scope('mmdet')
    assert DET_MODELS.get('procd_mm.ProtoAugNeck') is not None
    init_default_scope('mmseg')
    assert SEG_MODELS.get('procd_mm.ProCDistiller') is not None


def test_procd_config_mixes_mmdet_student_and_mmpretrain_teacher():
    """A config in the procd_mm scope holds an mmdet student and an mmpretrain teacher."""
    cfg = Config(dict(
        default_scope='procd_mm',
        model=dict(
            type='ProCDistiller',
            student=dict(
                type='mmdet.RetinaNet',
                data_preprocessor=dict(
                    type='DetDataPreprocessor', mean=[0, 0, 0], std=[1, 1, 1],
                    pad_size_divisor=32),
                backbone=dict(type='ResNet', depth=18, out_indices=(1, 2, 3)),
                neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=32,
                          start_level=0, add_extra_convs='on_input', num_outs=4),
                bbox_head=dict(
                    type='RetinaHead', num_classes=3, in_channels=32, feat_channels=32,
                    stacked_convs=1,
                    anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                                          scales_per_octave=1, ratios=[1.0],
                                          strides=[8, 16, 32, 64]),
                    bbox_coder=dict(type='DeltaXYWHBBoxCoder'),
                    loss_cls=dict(type='FocalLoss', use_sigmoid=True),
                    loss_bbox=dict(type='L1Loss')),
                train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5,
                                             neg_iou_thr=0.4), sampler=dict(type='PseudoSampler'),
                               allowed_border=-1, pos_weight=-1),
                test_cfg=dict(nms_pre=100, score_thr=0.05, nms=dict(type='nms', iou_threshold=0.5),
                              max_per_img=10)),
            teacher=dict(type='mmpretrain.ResNet', depth=18, out_indices=(1, 2, 3)),
            proto_head=dict(channels=16, num_prototypes=4),
            aug_neck=dict(embed_channels=8))))
    init_default_scope(cfg.default_scope)
    model = procd_registry.MODELS.build(cfg.model)
    assert type(model.student).__module__.startswith('mmdet.')
    assert type(model.teacher).__module__.startswith('mmpretrain.')
    assert model.student_channels == [32] * 4
    assert model.teacher_channels == [128, 256, 512]
    # the scope of an unscoped student type is found in the mmdet/mmseg registries
    from procd_mm.models.builders import scoped_type as _scoped_type
    assert _scoped_type(dict(type='RetinaNet'), 'k', ('mmdet', 'mmseg')) == ('mmdet', 'RetinaNet')
    assert _scoped_type(dict(type='EncoderDecoder'), 'k', ('mmdet', 'mmseg'))[0] == 'mmseg'
    assert torch.is_tensor(model.aug_neck.prototypes)
