# Copyright (c) procd_mm authors. All rights reserved.
"""Every config under configs/ builds, with its own teacher architecture (random weights:
nothing is downloaded)."""
import glob
import os.path as osp

import pytest
from mm_testing import CONFIGS, load_config

from procd_mm.models.distillers.builders import build_teacher, probe_levels
from procd_mm.registry import MODELS
from procd_mm.utils.offline import strip_downloads_and_syncbn

ALL = sorted(
    osp.relpath(p, CONFIGS) for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    if '_base_' not in p)
TEACHERS = sorted(glob.glob(osp.join(CONFIGS, '_base_', 'teachers', '*.py')))


def test_configs_are_found():
    assert 'procd_faster-rcnn.py' in ALL and len(ALL) >= 16


@pytest.mark.parametrize('path', ALL)
def test_config_builds(path):
    cfg = load_config(path)
    model_cfg = cfg.model
    if 'teacher_ckpt' in model_cfg:
        model_cfg.teacher_ckpt = None
    strip_downloads_and_syncbn(model_cfg)
    model = MODELS.build(model_cfg)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize('path', TEACHERS)
def test_teacher_file_gives_three_feature_maps(path):
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    assert cfg.teacher_ckpt.startswith('https://download.openmmlab.com/')
    teacher = build_teacher(cfg.teacher)
    teacher.eval()  # mmpretrain's train() returns None: no chaining
    levels = probe_levels(teacher, 'model.teacher', size=224)
    assert len(levels) == 3
    assert all(c > 0 and s in (8, 16, 32) for c, s in levels)


def test_short_names_alias_full_names():
    for short in glob.glob(osp.join(CONFIGS, 'procd_*.py')):
        with open(short) as f:
            text = f.read()
        full = text.split("'./")[1].split("'")[0]
        assert osp.exists(osp.join(CONFIGS, full)), short
        assert load_config(osp.relpath(short, CONFIGS)).model == \
            load_config(full).model


@pytest.mark.parametrize('path', [p for p in ALL if p.endswith('_coco.py')])
def test_detectors_guided_input(path):
    """Single-stage COCO detectors use the zoo's detection default, guided_input='backbone'
    (their FPN reads three backbone stages, as many as the teacher hands); two-stage ones,
    whose FPN reads four, keep the authors' 'aug'."""
    model = load_config(path).model
    single_stage = model.student.type in ('RetinaNet', 'FCOS')
    assert model.get('guided_input', 'aug') == ('backbone' if single_stage else 'aug')


@pytest.mark.parametrize('path', ALL)
def test_trainable_configs_resume_their_own_checkpoints(path):
    """A training config must select ProCDRunner: MMEngine's Runner would resume through
    procd_mm's safe loader, which refuses the optimizer/message-hub state a run's own
    checkpoint holds (the zoo resumes interrupted pretrainings this way)."""
    cfg = load_config(path)  # loaded here, not at collection: it sets the default scope
    if 'train_cfg' in cfg:
        assert cfg.get('runner_type') == 'procd_mm.ProCDRunner', path
