# Copyright (c) procd_mm authors. All rights reserved.
"""Broken ProC-KD configs fail at build time with a message naming the key and the fix."""
import copy
import re

import pytest
import torch
from mm_testing import teacher_keys, tiny_model_cfg

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
                       r'mmdet SingleStageDetector with a neck, mmdet TwoStageDetector with a '
                       r'neck, mmseg EncoderDecoder'):
        build_broken(base_cfg, student=student)


def test_unsupported_student_detr(base_cfg):
    student = dict(type='mmdet.DETR', backbone=dict(type='ResNet', depth=18))
    with pytest.raises(TypeError, match=r"model\.student: unsupported student type 'mmdet\.DETR' "
                       r"\(scope 'mmdet'\); supported are mmdet SingleStageDetector"):
        build_broken(base_cfg, student=student)


def test_student_overriding_loss_is_refused_before_it_is_built(base_cfg):
    """LD trains with its own teacher (a loss of its own): refused by class, before its
    teacher config (a path relative to mmdet's repository) is read."""
    student = dict(copy.deepcopy(base_cfg.student), teacher_config='no/such/config.py',
                   type='mmdet.KnowledgeDistillationSingleStageDetector')
    with pytest.raises(TypeError, match=r'model\.student \(KnowledgeDistillationSingleStage'
                       r'Detector\) overrides SingleStageDetector\.loss.*supported are'):
        build_broken(base_cfg, student=student)


def test_adapter_of_the_most_specific_family():
    from mmdet.models.detectors import (RPN, CascadeRCNN, PanopticFPN, RetinaNet,
                                        TwoStageDetector)
    from mmseg.models.segmentors import CascadeEncoderDecoder

    from procd_mm.models.distillers.adapters import (EncoderDecoderAdapter,
                                                     PanopticTwoStageAdapter, RPNAdapter,
                                                     SingleStageAdapter, TwoStageAdapter,
                                                     adapter_class)
    assert adapter_class(RPN) is RPNAdapter
    assert adapter_class(RetinaNet) is SingleStageAdapter
    assert adapter_class(CascadeRCNN) is TwoStageAdapter
    assert adapter_class(TwoStageDetector) is TwoStageAdapter
    assert adapter_class(PanopticFPN) is PanopticTwoStageAdapter
    assert adapter_class(CascadeEncoderDecoder) is EncoderDecoderAdapter
    assert adapter_class(torch.nn.Module) is None


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
    assert not teacher_keys(model.state_dict())


def _plain_teacher_state(base_cfg):
    """The teacher's own keys (no prefix), random-normal so that loading is visible."""
    return {k[len('backbone.'):]: v for k, v in _teacher_state(base_cfg).items()}


def _record_logs(monkeypatch):
    from procd_mm.models.teachers import checkpoint as teacher_checkpoint
    logs = []
    monkeypatch.setattr(teacher_checkpoint, 'print_log',
                        lambda msg, logger=None, level=20: logs.append((level, msg)))
    return logs


def _assert_teacher_equals(model, state):
    own = model.teacher.state_dict()
    for k, v in state.items():
        assert torch.equal(own[k], v), k


def test_teacher_checkpoint_with_missing_keys_is_an_error(base_cfg, tmp_path, monkeypatch):
    state = _plain_teacher_state(base_cfg)
    keys = list(state)
    kept, dropped = keys[::2], keys[1::2]  # half the teacher: it would train half-random
    path = tmp_path / 'half.pth'
    torch.save({'state_dict': {k: state[k] for k in kept}}, path)
    with pytest.raises(RuntimeError, match=re.escape(
            f'model.teacher_ckpt={str(path)!r} does not match the teacher VisionTransformer: '
            f"{len(dropped)} of the teacher's {len(keys)} weights are not in the checkpoint "
            f'(first: {dropped[:5]})') + r'.*model\.teacher_ckpt_strict=False'):
        build_broken(base_cfg, teacher_ckpt=str(path))

    logs = _record_logs(monkeypatch)
    model = build_broken(base_cfg, teacher_ckpt=str(path), teacher_ckpt_strict=False)
    _assert_teacher_equals(model, {k: state[k] for k in kept})
    warnings = [msg for level, msg in logs if level == 30]
    assert len(warnings) == 1 and f'{len(dropped)} of the teacher' in warnings[0], logs


def test_teacher_checkpoint_with_unexpected_key_is_an_error(base_cfg, tmp_path):
    state = _plain_teacher_state(base_cfg)
    state['extra.weight'] = torch.ones(3)
    path = tmp_path / 'extra.pth'
    torch.save({'state_dict': state}, path)
    with pytest.raises(RuntimeError, match=r'does not match the teacher VisionTransformer: 1 '
                       r"checkpoint keys are not in the teacher \(first: \['extra\.weight'\]\)"
                       r'.*model\.teacher_ckpt_strict=False'):
        build_broken(base_cfg, teacher_ckpt=str(path))


def test_classifier_checkpoint_loads_strictly(base_cfg, tmp_path, monkeypatch):
    """An mmpretrain classifier's neck/head keys are not the teacher's: ignored, not
    unexpected."""
    state = _teacher_state(base_cfg)
    path = tmp_path / 'classifier.pth'
    torch.save({'state_dict': {**{f'module.{k}': v for k, v in state.items()},
                               'module.head.fc.weight': torch.ones(10, 192),
                               'module.head.fc.bias': torch.zeros(10)}}, path)
    logs = _record_logs(monkeypatch)
    model = build_broken(base_cfg, teacher_ckpt=str(path))
    _assert_teacher_equals(model, {k[len('backbone.'):]: v for k, v in state.items()})
    assert [lv for lv, msg in logs if '2 other keys' in msg] == [20], logs


def test_teacher_checkpoint_shape_mismatch(base_cfg, tmp_path):
    state = _plain_teacher_state(base_cfg)
    state['layers.0.ln1.weight'] = torch.ones(100)  # the tiny ViT is 192 wide
    path = tmp_path / 'wide.pth'
    torch.save({'state_dict': state}, path)
    with pytest.raises(RuntimeError, match=re.escape(
            f'model.teacher_ckpt={str(path)!r}: 1 weights of the checkpoint have the wrong '
            "shape for the teacher VisionTransformer ('layers.0.ln1.weight' is [100] in the "
            'checkpoint but [192] in the teacher)')):
        build_broken(base_cfg, teacher_ckpt=str(path))


def test_teacher_pretrained_init_cfg_missing_file(base_cfg):
    with pytest.raises(FileNotFoundError, match=r"model\.teacher\.init_cfg\.checkpoint="
                       r"'/nonexistent\.pth': no such file"):
        build_broken(base_cfg,
                     teacher__init_cfg=dict(type='Pretrained', checkpoint='/nonexistent.pth'))


@pytest.mark.parametrize('prefix', [None, 'backbone', 'backbone.'])
def test_teacher_pretrained_init_cfg_loads_strictly(base_cfg, tmp_path, prefix):
    state = _teacher_state(base_cfg)
    path = tmp_path / 'classifier.pth'
    torch.save({'state_dict': {**state, 'head.fc.weight': torch.ones(10, 192)}}, path)
    init = dict(type='Pretrained', checkpoint=str(path), prefix=prefix)
    model = build_broken(base_cfg, teacher__init_cfg=init)
    _assert_teacher_equals(model, {k[len('backbone.'):]: v for k, v in state.items()})


def test_teacher_pretrained_init_cfg_with_missing_keys(base_cfg, tmp_path):
    state = _teacher_state(base_cfg)
    path = tmp_path / 'half.pth'
    torch.save({'state_dict': dict(list(state.items())[::2])}, path)
    with pytest.raises(RuntimeError, match=re.escape(
            f'model.teacher.init_cfg.checkpoint={str(path)!r} does not match the teacher') +
            r'.*model\.teacher_ckpt_strict=False'):
        build_broken(base_cfg,
                     teacher__init_cfg=dict(type='Pretrained', checkpoint=str(path),
                                            prefix='backbone.'))


def test_teacher_ckpt_and_pretrained_init_cfg_both_set(base_cfg, tmp_path):
    with pytest.raises(ValueError, match=r"model\.teacher_ckpt='/a\.pth' and "
                       r'model\.teacher\.init_cfg=.*both give.*set one of them'):
        build_broken(base_cfg, teacher_ckpt='/a.pth',
                     teacher__init_cfg=dict(type='Pretrained', checkpoint='/b.pth'))


def test_unknown_teacher_type(base_cfg):
    with pytest.raises(KeyError, match=r"model\.teacher\.type='mmpretrain\.NoSuchBackbone' is "
                       r"not registered in scope 'mmpretrain'; expected a backbone registered "
                       r"in mmpretrain, e\.g\. 'mmpretrain\.VisionTransformer'"):
        build_broken(base_cfg, teacher__type='mmpretrain.NoSuchBackbone')


@pytest.mark.parametrize('obj_type', ['mmpretrain.VisionTransformr', 'VisionTransformr'])
def test_unknown_teacher_type_suggests_close_names(base_cfg, obj_type):
    with pytest.raises(KeyError, match=re.escape(f'model.teacher.type={obj_type!r}') +
                       r".*Did you mean 'mmpretrain\.VisionTransformer'"):
        build_broken(base_cfg, teacher__type=obj_type)


def test_unknown_teacher_scope(base_cfg):
    with pytest.raises(KeyError, match=r"model\.teacher\.type='nosuchscope\.ResNet': scope "
                       r"'nosuchscope' has no model registry.*expected a backbone registered "
                       r'in mmpretrain'):
        build_broken(base_cfg, teacher__type='nosuchscope.ResNet')


def test_unknown_option_is_an_error(base_cfg):
    """An option the distiller does not have (here the removed logit KL) is an error that
    names it and the options there are, never silently ignored."""
    with pytest.raises(TypeError, match=r'ProCDistiller has no option model\.loss_kl; '
                                        r'its options are .*guided_input.*teacher_levels'):
        build_broken(base_cfg, loss_kl=dict(type='DenseKLLoss'))
