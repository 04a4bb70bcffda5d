# Copyright (c) procd_mm authors. All rights reserved.
"""Broken ProC-KD configs fail at build time with a message naming the key and the fix."""
import copy
import re

import pytest
import torch
from mm_testing import tiny_model_cfg

from procd_mm.registry import MODELS
from procd_mm.utils.checkpoint import UnsafeCheckpointError


@pytest.fixture(scope='module')
def base_cfg():
    return tiny_model_cfg('procd_retinanet.py')


def build_broken(base_cfg, **changes):
    cfg = copy.deepcopy(base_cfg)
    for key, value in changes.items():
        node = cfg
        *parents, last = key.split('__')
        for p in parents:
            node = node[p]
        node[last] = value
    return MODELS.build(cfg)


def test_base_config_builds(base_cfg):
    """The configs below differ from this working one only in the broken key."""
    model = build_broken(base_cfg)
    assert model.proto_head.num_prototypes == 72


def test_teacher_checkpoint_missing(base_cfg):
    with pytest.raises(FileNotFoundError,
                       match=r"model\.teacher_ckpt='/nonexistent\.pth': no such file.*"
                       r'--cfg-options model\.teacher_ckpt='):
        build_broken(base_cfg, teacher_ckpt='/nonexistent.pth')


def test_teacher_checkpoint_directory(base_cfg, tmp_path):
    with pytest.raises(FileNotFoundError, match=r'model\.teacher_ckpt=.*no such file'):
        build_broken(base_cfg, teacher_ckpt=str(tmp_path))


def test_teacher_checkpoint_truncated(base_cfg, tmp_path):
    path = tmp_path / 'truncated.pth'
    torch.save({'state_dict': {'w': torch.ones(64)}}, path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(RuntimeError, match=r'model\.teacher_ckpt=.*truncated\.pth.* could not be '
                       r'read as a torch checkpoint.*torch\.save'):
        build_broken(base_cfg, teacher_ckpt=str(path))


def test_teacher_checkpoint_not_a_checkpoint(base_cfg, tmp_path):
    path = tmp_path / 'notes.pth'
    path.write_text('hello')
    with pytest.raises(RuntimeError, match=r'model\.teacher_ckpt=.*notes\.pth'):
        build_broken(base_cfg, teacher_ckpt=str(path))


@pytest.mark.parametrize('levels', [[0, 5], [-4], []])
def test_teacher_levels_out_of_range(base_cfg, levels):
    # the tiny ViT has out_indices=(3, 7, 11): three levels
    with pytest.raises(ValueError, match=re.escape(f'model.teacher_levels={levels}') +
                       r' does not fit the teacher, which outputs 3 levels \(set by '
                       r'model\.teacher\.out_indices\)'):
        build_broken(base_cfg, teacher_levels=levels)


def test_proto_grid_level_out_of_range(base_cfg):
    with pytest.raises(ValueError, match=r'model\.proto_head: proto_head\.grid_level=3 is out '
                       r'of range for 3 teacher levels'):
        build_broken(base_cfg, proto_head__grid_level=3)


def test_unsupported_student_classifier(base_cfg):
    student = dict(
        type='mmpretrain.ImageClassifier',
        backbone=dict(type='ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=512))
    with pytest.raises(TypeError, match=r"model\.student: unsupported student type "
                       r"'mmpretrain\.ImageClassifier' \(scope 'mmpretrain'\); supported are "
                       r'mmdet TwoStageDetector and SingleStageDetector'):
        build_broken(base_cfg, student=student)


def test_unsupported_student_detr(base_cfg):
    student = dict(type='mmdet.DETR', backbone=dict(type='ResNet', depth=18))
    with pytest.raises(TypeError, match=r"model\.student: unsupported student type 'DETR'; "
                       r'supported are'):
        build_broken(base_cfg, student=student)


def test_student_without_required_neck(base_cfg):
    student = copy.deepcopy(base_cfg.student)
    student.pop('neck')
    with pytest.raises(TypeError, match=r'model\.student \(mmdet\.RetinaNet\) could not be '
                       r"built from its config: .*'neck'.*Check the keys of model\.student"):
        build_broken(base_cfg, student=student)


def test_unaligned_teacher_is_not_a_feature_map(base_cfg):
    """A ViT teacher giving class tokens has no locations to learn prototypes from."""
    with pytest.raises(ValueError, match=r'model\.teacher output 0 is \(1, 192\), not a feature '
                       r"map \(B, C, H, W\)\. For mmpretrain VisionTransformer set "
                       r"out_type='featmap'"):
        build_broken(base_cfg, teacher__out_type='cls_token')


def test_unaligned_student_neck_channels(base_cfg):
    """The neck cannot read the backbone's maps, so the student levels cannot be found."""
    with pytest.raises(RuntimeError, match=r'model\.student does not run on a dummy .*'
                       r'expected input.*Check the channels/levels in model\.student'):
        build_broken(base_cfg, student__neck__in_channels=[1, 2, 3, 4])


def test_zero_prototypes(base_cfg):
    with pytest.raises(ValueError, match=r'model\.proto_head: proto_head\.num_prototypes must '
                       r'be >= 1, got 0'):
        build_broken(base_cfg, proto_head__num_prototypes=0)


@pytest.mark.parametrize('key, value, error, message', [
    ('guided_weight', -1, ValueError,
     r'model\.guided_weight must be a finite number >= 0, got -1'),
    ('student_weight', 'a', TypeError, r"model\.student_weight must be a number >= 0, got 'a'"),
    ('loss_feat__loss_weight', float('nan'), ValueError,
     r'model\.loss_feat: FeatureMSELoss\.loss_weight must be a finite number >= 0, got nan'),
    ('loss_feat__loss_weight', 'a', TypeError,
     r"model\.loss_feat: FeatureMSELoss\.loss_weight must be a number >= 0, got 'a'"),
])
def test_bad_loss_weight(base_cfg, key, value, error, message):
    with pytest.raises(error, match=message):
        build_broken(base_cfg, **{key: value})


class _RunsCodeWhenUnpickled:
    """Unpickling this object would create ``path`` (a stand-in for arbitrary code)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, 'w'))


def _teacher_state(base_cfg):
    teacher = MODELS.build(dict(base_cfg.teacher, _scope_='mmpretrain'))
    with torch.no_grad():
        for p in teacher.parameters():
            p.normal_()
    return {f'backbone.{k}': v for k, v in teacher.state_dict().items()}


def test_teacher_checkpoint_with_pickled_object_is_refused(base_cfg, tmp_path):
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'teacher_with_object.pth'
    torch.save({'state_dict': _teacher_state(base_cfg),
                'meta': _RunsCodeWhenUnpickled(str(marker))}, path)
    with pytest.raises(UnsafeCheckpointError, match=r'(?s)' + re.escape(
            f'model.teacher_ckpt={str(path)!r}: ') + r'.*refused by safe loading '
            r'\(torch\.load\(weights_only=True\)\).*plain state dicts'):
        build_broken(base_cfg, teacher_ckpt=str(path))
    assert not marker.exists()


def test_plain_teacher_state_dict_loads_into_teacher(base_cfg, tmp_path):
    state = _teacher_state(base_cfg)  # mmpretrain classifier style: 'backbone.' prefixes
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': state, 'meta': {'epoch': 300}}, path)
    model = build_broken(base_cfg, teacher_ckpt=str(path))
    own = model.teacher.state_dict()
    assert set(own) == {k[len('backbone.'):] for k in state}
    for k, v in own.items():
        assert torch.equal(v, state[f'backbone.{k}']), k
    assert not any(k.startswith('teacher') for k in model.state_dict())
