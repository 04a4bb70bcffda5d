# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.apis.export (tools/convert_student.py is its CLI): the exported student
predicts as the distiller does."""
import copy
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mm_testing import (ROOT, TINY_VIT, det_inputs, seg_inputs, tiny_det_train_cfg,
                        tiny_model_cfg)


from procd_mm.apis.export import convert_student, export_cfg, with_aug_neck, zero_gates


def run(args, **env):
    """A subprocess in the checkout with ``env`` added; output captured as text."""
    return subprocess.run(args, cwd=ROOT, env=dict(os.environ, **env), capture_output=True,
                          text=True, timeout=120)


def build(model_cfg, scope):
    from mmengine.registry import init_default_scope
    import procd_mm.models  # noqa: F401
    from procd_mm.registry import MODELS
    init_default_scope(scope)
    return MODELS.build(copy.deepcopy(model_cfg))


def make_distiller_ckpt(tmp_path, cfg, scope):
    """A distiller checkpoint whose aug neck does something with prototypes of its own."""
    torch.manual_seed(1)
    model = build(cfg.model, scope)
    with torch.no_grad():
        for aug in model.aug_neck.augments:
            aug.gate.normal_(0, 0.5)
        model.aug_neck.prototypes.normal_()
    config = str(tmp_path / 'distiller.py')
    cfg.dump(config)
    ckpt = str(tmp_path / 'distiller.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=7)), ckpt)
    return model, config, ckpt


def predict(model, data):
    model.eval()
    with torch.no_grad():
        return model.test_step(copy.deepcopy(data))


def exported(ckpt_path, cfg_path):
    from mmengine.runner import load_checkpoint
    cfg = Config.fromfile(cfg_path)
    model = build(cfg.model, cfg.default_scope)
    load_checkpoint(model, ckpt_path, map_location='cpu', strict=True)
    return model, cfg


def assert_same_dets(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert len(x.pred_instances) > 0
        torch.testing.assert_close(x.pred_instances.bboxes, y.pred_instances.bboxes)
        torch.testing.assert_close(x.pred_instances.scores, y.pred_instances.scores)
        assert torch.equal(x.pred_instances.labels, y.pred_instances.labels)


@pytest.fixture
def det_setup(tmp_path):
    cfg = tiny_det_train_cfg(str(tmp_path / 'data'), str(tmp_path / 'work'))
    cfg.model.student.test_cfg.score_thr = 0.0
    model, config, ckpt = make_distiller_ckpt(tmp_path, cfg, 'mmdet')
    return model, config, ckpt, det_inputs(num_classes=3)


def test_detector_with_aug_neck(tmp_path, det_setup):
    distiller, config, ckpt, data = det_setup
    ckpt_path, cfg_path = convert_student(config, ckpt, str(tmp_path / 'out'))
    raw = torch.load(ckpt_path, weights_only=True)
    assert set(raw) == {'state_dict', 'meta'} and raw['meta']['iter'] == 7
    keys = raw['state_dict']
    assert any(k.startswith('neck.0.') for k in keys) and any(k.startswith('neck.1.') for k in keys)
    # the prototypes travel with the neck, their one home
    torch.testing.assert_close(keys['neck.1.prototypes'], distiller.aug_neck.prototypes.detach())
    student, cfg = exported(ckpt_path, cfg_path)
    assert cfg.custom_imports.imports == ['procd_mm.models']
    for key in ('teacher', 'teacher_ckpt', 'runner_type', 'work_dir'):
        assert key not in cfg and key not in cfg.model
    assert cfg.model.neck[0].type == 'FPN'
    assert cfg.model.neck[1].type == 'procd_mm.ProtoAugNeck'
    ref = predict(distiller, data)
    out = predict(student, data)
    assert_same_dets(out, ref)
    # the neck matters here: without it the predictions differ
    stripped = copy.deepcopy(student)
    stripped.neck = stripped.neck[0]
    with pytest.raises(AssertionError):
        assert_same_dets(predict(stripped, data), ref)


def test_detector_strip_aug(tmp_path, det_setup):
    distiller, config, ckpt, data = det_setup
    ckpt_path, cfg_path = convert_student(config, ckpt, str(tmp_path / 'out'),
                                                  strip_aug=True)
    with open(cfg_path) as f:
        assert 'procd_mm' not in f.read()
    keys = torch.load(ckpt_path, weights_only=True)['state_dict']
    assert not any(k.startswith(('neck.0.', 'neck.1.')) for k in keys)
    assert any(k.startswith('neck.lateral_convs.') for k in keys)
    student, _ = exported(ckpt_path, cfg_path)
    # stripping removes the augmentation: compare with the distiller's neck as identity
    with torch.no_grad():
        for aug in distiller.aug_neck.augments:
            aug.gate.zero_()
    assert_same_dets(predict(student, data), predict(distiller, data))


@pytest.mark.slow  # plain mmdet in a subprocess: 9 s
def test_stripped_student_loads_in_plain_mmdet(tmp_path, det_setup):
    _, config, ckpt, _ = det_setup
    ckpt_path, cfg_path = convert_student(config, ckpt, str(tmp_path / 'out'),
                                                  strip_aug=True)
    # A fresh interpreter that never imports procd_mm; mmengine's own (weights-only) loader.
    code = f'''
import sys, torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmdet.utils import register_all_modules
from mmdet.registry import MODELS
from mmdet.testing import demo_mm_inputs
register_all_modules()
cfg = Config.fromfile({cfg_path!r})
model = MODELS.build(cfg.model)
load_checkpoint(model, {ckpt_path!r}, map_location='cpu', strict=True)
model.eval()
data = demo_mm_inputs(1, [[3, 64, 64]], num_classes=3)
with torch.no_grad():
    out = model.test_step(data)
assert len(out[0].pred_instances) > 0
assert not any(m.startswith('procd_mm') for m in sys.modules), 'procd_mm was imported'
print('PLAIN_OK')
'''
    proc = run([sys.executable, '-c', code], PYTHONPATH='')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'PLAIN_OK' in proc.stdout


def test_segmentor_with_aug_neck(tmp_path):
    model_cfg = tiny_model_cfg('procd_deeplabv3.py', teacher=TINY_VIT)
    model_cfg.student.backbone.depth = 18  # keep the CPU test small
    model_cfg.student.backbone.type = 'ResNetV1c'
    model_cfg.student.decode_head.in_channels = 512
    model_cfg.student.decode_head.channels = 32
    model_cfg.student.auxiliary_head.in_channels = 256
    model_cfg.student.auxiliary_head.channels = 16
    cfg = Config(dict(default_scope='mmseg', model=model_cfg,
                      custom_imports=dict(imports=['procd_mm.models'])))
    distiller, config, ckpt = make_distiller_ckpt(tmp_path, cfg, 'mmseg')
    ckpt_path, cfg_path = convert_student(config, ckpt, str(tmp_path / 'out'))
    keys = torch.load(ckpt_path, weights_only=True)['state_dict']
    assert 'neck.prototypes' in keys  # DeepLabV3 has no neck: the aug neck is the neck
    student, cfg_out = exported(ckpt_path, cfg_path)
    assert cfg_out.model.neck.type == 'procd_mm.ProtoAugNeck'
    data = seg_inputs(batch=1, num_classes=model_cfg.student.decode_head.num_classes)
    ref = predict(distiller, data)[0].seg_logits.data
    out = predict(student, data)[0].seg_logits.data
    torch.testing.assert_close(out, ref)
    student.neck = None
    assert not torch.allclose(predict(student, data)[0].seg_logits.data, ref)


@pytest.mark.slow  # the tool in subprocesses: 9 s
def test_cli_errors(tmp_path, det_setup):
    _, config, _, _ = det_setup
    proc = run([sys.executable, osp.join(ROOT, 'tools', 'convert_student.py'), config,
                str(tmp_path / "missing.pth"), str(tmp_path / "out")])
    assert proc.returncode != 0
    assert 'missing.pth' in proc.stderr and 'does not exist' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_exported_config_keeps_only_the_students_settings():
    cfg = Config(dict(model=dict(type='procd_mm.ProCDistiller'), teacher=dict(type='x'),
                      teacher_ckpt='https://example.invalid/t.pth', teacher_input=None,
                      procd=dict(guided=True), procd_single_stage=dict(), work_dir='w',
                      runner_type='procd_mm.ProCDRunner', train_cfg=dict(max_iters=2),
                      custom_hooks=[dict(type='procd_mm.NonFiniteLossHook'),
                                    dict(type='EMAHook')]))
    out = export_cfg(cfg, Config(dict(type='RetinaNet')), strip_aug=True)
    assert set(out.keys()) == {'model', 'train_cfg', 'custom_hooks'}
    assert out.custom_hooks == [dict(type='EMAHook')]
    assert 'custom_imports' in export_cfg(cfg, Config(dict(type='RetinaNet')), strip_aug=False)


def test_with_aug_neck_and_zero_gates(det_setup):
    """A plain student with the distiller's augmentation neck appended predicts as the
    distiller; zeroing the gates makes it the plain student again."""
    distiller, _, _, data = det_setup
    plain = copy.deepcopy(distiller.student)
    plain.neck = plain.neck[0]
    student = with_aug_neck(plain, distiller.aug_neck)
    assert student.neck[1] is not distiller.aug_neck  # a copy
    assert_same_dets(predict(student, data), predict(distiller, data))
    state = student.state_dict()
    assert zero_gates(state) == len(distiller.aug_neck.augments)
    student.load_state_dict(state)
    assert_same_dets(predict(student, data), predict(plain, data))
    with pytest.raises(KeyError, match='no ProtoAugNeck gates'):
        zero_gates(plain.state_dict())
