# Copyright (c) procd_mm authors. All rights reserved.
"""Distillation pretraining of the backbone of a stock mmdet, mmseg or mmpretrain config, and
the file it exports loading strictly into that stock config's model."""
import copy

import pytest
import torch
from mmengine.hub import get_config
from mmengine.optim import OptimWrapper
from mmengine.runner.checkpoint import _load_checkpoint_with_prefix

from procd_mm.apis.backbone_export import save_backbone
from procd_mm.models.builders import build_in_scope
from procd_mm.models.pretrainers.backbone_distiller import (BackboneDistiller,
                                                            student_backbone_cfg)
from procd_mm.utils.offline import strip_downloads_and_syncbn

TEACHER = dict(type='mmpretrain.ResNet', depth=18, out_indices=(2, 3))
COLOUR = dict(rgb=True, mean=[127.5] * 3, std=[127.5] * 3)
STUDENTS = {  # scope: a stock config with a small backbone
    'mmdet': 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
    'mmseg': 'mmseg::fcn/fcn_r18-d8_4xb2-80k_cityscapes-512x1024.py',
    'mmpretrain': 'mmpretrain::resnet/resnet18_8xb32_in1k.py',
}


def stock_model_cfg(scope: str) -> dict:
    stock = get_config(STUDENTS[scope])
    cfg = copy.deepcopy(stock.model)
    if scope == 'mmpretrain':  # its preprocessor is at the top level
        cfg['data_preprocessor'] = copy.deepcopy(stock.data_preprocessor)
    strip_downloads_and_syncbn(cfg)  # nothing downloaded
    return cfg


def images(n=2, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return dict(inputs=[torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8)
                        for _ in range(n)])


def distiller(student, **kwargs):
    kwargs = dict(dict(teacher=TEACHER, teacher_levels=[0, 1], teacher_input=COLOUR), **kwargs)
    return BackboneDistiller(student, **kwargs)


@pytest.mark.parametrize('scope', list(STUDENTS))
def test_one_step_trains_the_backbone_and_the_export_loads_strictly(scope, tmp_path):
    student = stock_model_cfg(scope)
    # a classifier's ResNet outputs its last stage only: one teacher level for it
    model = distiller(student, teacher_levels=[-1] if scope == 'mmpretrain' else [0, 1])
    assert {k.split('.')[0] for k in model.state_dict()} == {'backbone', 'objective'}
    assert model.student_levels == ([0] if scope == 'mmpretrain' else [2, 3])  # the last
    before = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log = model.train_step(images(), optim)
    assert set(log) >= {'loss', 'distill.loss_pkd'}
    after = model.backbone.state_dict()
    stem = [k for k in after if 'conv1.weight' in k][0]
    assert not torch.equal(before[stem], after[stem])  # the stem trains too (no freezes)

    out = str(tmp_path / 'backbone.pth')
    save_backbone(model.state_dict(), out, dict(scope=scope))
    ckpt = torch.load(out, weights_only=True)
    assert set(ckpt['state_dict']) == {f'backbone.{k}' for k in after}

    stock = copy.deepcopy(student)
    stock['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint=out, prefix='backbone.')
    fine_tuned = build_in_scope(stock, scope)
    fine_tuned.backbone.load_state_dict(_load_checkpoint_with_prefix('backbone.', out),
                                        strict=True)  # no key missing or unexpected
    fine_tuned = build_in_scope(stock, scope)
    fine_tuned.init_weights()  # the init_cfg path a user's config takes
    for k, v in fine_tuned.backbone.state_dict().items():
        assert torch.equal(v, after[k]), k


def test_stock_fine_tuning_freezes_are_lifted_or_kept():
    student = stock_model_cfg('mmdet')
    assert student['backbone']['frozen_stages'] == 1 and student['backbone']['norm_eval']
    model = distiller(student)
    assert model.backbone.frozen_stages == -1 and not model.backbone.norm_eval
    kept = distiller(student, train_all_stages=False)
    assert kept.backbone.frozen_stages == 1 and kept.backbone.norm_eval
    assert not any(p.requires_grad for p in kept.backbone.layer1.parameters())


def test_the_preprocessor_is_the_students_colour_and_normalisation():
    for scope, rgb in (('mmdet', True), ('mmpretrain', True)):  # bgr_to_rgb / to_rgb
        pre = distiller(stock_model_cfg(scope), teacher_levels=[-1]).data_preprocessor
        assert pre._channel_conversion is rgb
        torch.testing.assert_close(pre.mean.flatten(), torch.tensor([123.675, 116.28, 103.53]))
    data = images()
    model = distiller(stock_model_cfg('mmdet'))
    x = model.data_preprocessor(data, True)['inputs']
    expected = (data['inputs'][0].flip(0).float() - model.data_preprocessor.mean) / \
        model.data_preprocessor.std
    torch.testing.assert_close(x[0], expected)


def test_a_segmentors_pretrained_moves_to_its_backbone():
    student = dict(type='mmseg.EncoderDecoder', pretrained='open-mmlab://resnet18_v1c',
                   backbone=dict(type='ResNetV1c', depth=18))
    scope, backbone = student_backbone_cfg(student)
    assert scope == 'mmseg' and backbone['pretrained'] == 'open-mmlab://resnet18_v1c'
    student['backbone']['pretrained'] = 'x.pth'
    with pytest.raises(ValueError, match='both set'):
        student_backbone_cfg(student)


@pytest.mark.parametrize('student,kwargs,error,match', [
    (dict(type='mmdet.RetinaNet'), {}, KeyError, 'complete model config with a "backbone"'),
    (dict(type='mmpretrain.ImageClassifier', backbone=dict(type='ResNet', depth=18)), {},
     KeyError, 'model.student.data_preprocessor is not set'),
    (None, dict(data_preprocessor=dict(type='SegDataPreProcessor')), TypeError,
     'model.data_preprocessor: .* `data_preprocessor = None`'),
    (None, dict(student_levels=[7]), ValueError, r'model.student_levels=\[7\] does not fit'),
    (None, dict(objective=dict(type='procd_mm.PKDObjective', grid='x')), ValueError,
     "model.objective.grid must be 'student' or 'teacher'"),
    (None, dict(objective=dict(type='procd_mm.PKDObjective', tau=1)), TypeError,
     "model.objective: .*unexpected keyword argument 'tau'"),
    (None, dict(objective='pkd'), TypeError, 'model.objective must be a config dict'),
    (None, dict(teacher_levels=[0, 1], objective=dict(type='procd_mm.MLPMSEObjective')),
     ValueError, 'one width'),
])
def test_bad_options_fail_early_and_name_their_key(student, kwargs, error, match):
    with pytest.raises(error, match=match):
        distiller(student or stock_model_cfg('mmdet'), **kwargs)


def test_there_are_no_predictions_only_features():
    model = distiller(stock_model_cfg('mmdet'))
    x = model.data_preprocessor(images(), False)['inputs']
    assert len(model(x, mode='tensor')) == 4
    with pytest.raises(RuntimeError, match='pretrains a backbone'):
        model(x, mode='predict')


def test_a_list_of_objectives_adds_their_losses():
    model = distiller(stock_model_cfg('mmdet'), objective=[
        dict(type='procd_mm.PKDObjective'),
        dict(type='procd_mm.PrototypeStructureObjective', channels=16, num_prototypes=4)])
    x = model.data_preprocessor(images(), True)['inputs']
    losses = model(x, mode='loss')
    assert {'distill.loss_pkd', 'distill.loss_proto_student', 'distill.proto.num_used'} <= \
        set(losses)
    assert sorted({k.split('.')[1] for k in model.state_dict() if k.startswith('objective')}) \
        == ['0', '1']
    twice = distiller(stock_model_cfg('mmdet'), objective=[dict(type='procd_mm.PKDObjective')] * 2)
    with pytest.raises(KeyError, match="two objectives return 'loss_pkd'"):
        twice(x, mode='loss')
    with pytest.raises(ValueError, match='empty list'):
        distiller(stock_model_cfg('mmdet'), objective=[])


def test_building_leaves_the_batchnorm_statistics_alone():
    model = distiller(stock_model_cfg('mmdet'))
    bn = model.backbone.bn1
    assert int(bn.num_batches_tracked) == 0 and model.backbone.training
    torch.testing.assert_close(bn.running_mean, torch.zeros_like(bn.running_mean))


def test_every_channel_flip_of_the_student_is_kept():
    from procd_mm.models.pretrainers.backbone_distiller import pretraining_preprocessor
    for key in ('bgr_to_rgb', 'rgb_to_bgr', 'to_rgb'):
        pre = pretraining_preprocessor(dict(data_preprocessor={key: True, 'mean': [0] * 3,
                                                               'std': [1] * 3}))
        assert pre['bgr_to_rgb'] is True, key
    assert pretraining_preprocessor(dict(data_preprocessor=dict(mean=[0] * 3, std=[1] * 3)))[
        'bgr_to_rgb'] is False
