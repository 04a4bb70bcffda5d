# Copyright (c) procd_mm authors. All rights reserved.
"""configs/zoo: every method builds, and all methods of a task share student and schedule."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from zoo_testing import ROOT

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'zoo', '[ds]e[tg]', '*.py')))
EXPECTED = {
    'plain': None, 'fitnet': 'FeatureDistiller', 'pkd': 'FeatureDistiller',
    'pkd-bb': 'FeatureDistiller', 'procd-aug': 'ProCDistiller',
    'procd': 'ProCDistiller', 'procd-k8': 'ProCDistiller', 'procd-k32': 'ProCDistiller',
    'procd-k72': 'ProCDistiller',
    'procd-noguided': 'ProCDistiller', 'procd-nofeat': 'ProCDistiller',
    'procd-nores': 'ProCDistiller', 'procd-randteacher': 'ProCDistiller'}
# Each task's default K (chosen on val); its K ablations are the other two values.
DEFAULT_K = {'det': 32, 'seg': 8}
# Where each task's guided pass enters the student; the other entry is an ablation.
DEFAULT_GUIDED_INPUT = {'det': 'backbone', 'seg': 'aug'}


def _method(path):
    return osp.basename(path)[:-3].split('_parts_')[1]


def test_every_method_for_both_tasks():
    found = {(osp.basename(osp.dirname(p)), _method(p)) for p in CONFIGS}
    assert found == {(t, m) for t, k in DEFAULT_K.items() for m in EXPECTED
                     if m != f'procd-k{k}' and not (t == 'seg' and m == 'procd-aug')}


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.basename(p)[:-3])
def test_same_student_and_schedule_as_plain(path):
    cfg = Config.fromfile(path)
    plain = Config.fromfile(path.rsplit('_parts_', 1)[0] + '_parts_plain.py')
    student = cfg.model.student if 'student' in cfg.model else cfg.model
    assert student.to_dict() == plain.model.to_dict()
    for key in ('train_cfg', 'optim_wrapper', 'param_scheduler', 'train_dataloader',
                'test_dataloader', 'test_evaluator'):
        assert cfg[key] == plain[key], key
    method = _method(path)
    assert (cfg.model.type.split('.')[-1] if EXPECTED[method] else None) == EXPECTED[method]
    if method.startswith('pkd'):
        assert cfg.model.loss_feat.type == 'procd_mm.PearsonFeatureLoss'
        assert cfg.model.get('mimic', 'heads') == ('backbone' if method == 'pkd-bb' else 'heads')
    if method == 'fitnet':
        assert cfg.model.loss_feat.type == 'procd_mm.FeatureMSELoss'
    if method.startswith('procd'):
        task = osp.basename(osp.dirname(path))
        k = int(method[7:]) if method.startswith('procd-k') else DEFAULT_K[task]
        assert cfg.model.proto_head.num_prototypes == k
        assert cfg.model.guided == (method != 'procd-noguided')
        assert (cfg.model.loss_feat is None) == (method == 'procd-nofeat')
        assert cfg.model.get('guided_residual', True) == (method != 'procd-nores')
        assert cfg.model.get('guided_input', 'aug') == (
            'aug' if method == 'procd-aug' else DEFAULT_GUIDED_INPUT[task])
    if method == 'procd-randteacher':
        assert cfg.model.teacher_ckpt is None
    elif EXPECTED[method]:
        assert cfg.model.teacher_ckpt.endswith('teacher_r18_procd-parts.pth')


@pytest.mark.parametrize('name', ['det/retinanet_r18_parts_procd-k8',
                                  'seg/fcn_r18_parts_pkd', 'det/retinanet_r18_parts_pkd-bb'])
def test_builds_with_a_random_teacher(name):
    from procd_mm.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'zoo', name + '.py'))
    init_default_scope(cfg.default_scope)
    cfg.model.teacher_ckpt = None
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == cfg.model.type.split('.')[-1]
    if hasattr(model, 'proto_head'):
        assert model.proto_head.num_prototypes == 8
        assert model.aug_neck.prototypes.shape == (8, 64)
        assert model.neck_levels == [0, 1, 2]  # the FPN reads all three teacher stages
    if cfg.model.get('mimic') == 'backbone':
        assert model.mimic_levels == [0, 1, 2]
