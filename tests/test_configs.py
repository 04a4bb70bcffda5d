# Copyright (c) procd_mm authors. All rights reserved.
"""Every config under configs/ builds, with its own teacher architecture (random weights:
nothing is downloaded); the examples read data in their formats; the README's snippet loads
from a folder of one's own."""
import glob
import json
import os
import os.path as osp
import re
import shutil

import numpy as np
import pytest
from mm_testing import CONFIGS, ROOT, load_config, write_tiny_coco
from mmengine.config import Config

from procd_mm.apis import check_data_paths
from procd_mm.models.builders import build_teacher, probe_levels
from procd_mm.registry import MODELS
from procd_mm.utils import register_all_modules
from procd_mm.utils.offline import strip_downloads_and_syncbn

ALL = sorted(
    osp.relpath(p, CONFIGS) for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    if '_base_' not in p)
TEACHERS = sorted(glob.glob(osp.join(CONFIGS, '_base_', 'teachers', '*.py')))
EXAMPLES = ('examples/procd_retinanet_custom-coco.py', 'examples/procd_upernet_custom-ade.py')


@pytest.fixture(scope='module', autouse=True)
def procd_mm_bases():
    """The examples inherit ``procd_mm::`` bases, as a user's copy does."""
    register_all_modules(init_default_scope=False)


def test_configs_are_found():
    assert 'procd_faster-rcnn.py' in ALL and len(ALL) >= 18
    assert set(EXAMPLES) <= set(ALL)


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
    assert all(c > 0 and s in (8, 14, 16, 32) for c, s in levels)  # 14: patch-14 ViTs


def test_short_names_alias_full_names():
    for short in glob.glob(osp.join(CONFIGS, 'procd_*.py')):
        with open(short) as f:
            text = f.read()
        full = text.split("'./")[1].split("'")[0]
        assert osp.exists(osp.join(CONFIGS, full)), short
        assert load_config(osp.relpath(short, CONFIGS)).model == \
            load_config(full).model


@pytest.mark.parametrize('path', [p for p in ALL
                                  if p.endswith('_coco.py') and not p.startswith('pretrain/')])
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


def coco_layout(root: str) -> str:
    """Tiny COCO-format data as the detection example expects it: annotations/{train,val}.json,
    images in train/ and val/, categories named as the example's classes."""
    tiny = write_tiny_coco(osp.join(root, 'tiny'), num_classes=2)
    with open(osp.join(tiny, 'train.json')) as f:
        coco = json.load(f)
    for cat, name in zip(coco['categories'], ('cat', 'dog')):
        cat['name'] = name
    os.makedirs(osp.join(root, 'annotations'))
    for split in ('train', 'val'):
        shutil.copytree(osp.join(tiny, 'images'), osp.join(root, split))
        with open(osp.join(root, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(coco, f)
    return root + '/'


def ade_layout(root: str) -> str:
    """Tiny ADE20K-format data: images/*/*.jpg and annotations/*/*.png, 0 = other."""
    import mmcv
    rng = np.random.RandomState(0)
    for split in ('training', 'validation'):
        os.makedirs(osp.join(root, 'images', split))
        os.makedirs(osp.join(root, 'annotations', split))
        for i in range(2):
            mmcv.imwrite(rng.randint(0, 255, (32, 48, 3)).astype(np.uint8),
                         osp.join(root, 'images', split, f'{i}.jpg'))
            label = np.zeros((32, 48), np.uint8)
            label[:, 16:] = 1 + (np.arange(32)[:, None] // 11)  # classes 1..3
            mmcv.imwrite(label, osp.join(root, 'annotations', split, f'{i}.png'))
    return root + '/'


@pytest.mark.parametrize('path,layout', [(EXAMPLES[0], coco_layout), (EXAMPLES[1], ade_layout)])
def test_example_reads_its_data_format(path, layout, tmp_path):
    """Point an example at data in its format: the paths check passes and the datasets load
    the user's classes, images and labels through the config's own pipelines."""
    from mmengine.registry import DATASETS
    cfg = load_config(path)
    assert cfg.model.teacher_ckpt is None  # offline as it stands
    data_root = layout(str(tmp_path / 'data'))
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    for loader in loaders:
        cfg[loader].dataset.data_root = data_root
    for evaluator in ('val_evaluator', 'test_evaluator'):
        if cfg[evaluator].get('ann_file'):
            cfg[evaluator].ann_file = cfg[evaluator].ann_file.replace('data/my_coco/', data_root)
    check_data_paths(cfg, loaders)  # raises, naming the key, if a path were wrong
    train = DATASETS.build(cfg.train_dataloader.dataset)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(train) > 0 and len(val) > 0
    sample = train[0]['data_samples']
    if 'coco' in path:
        assert train.metainfo['classes'] == ('cat', 'dog')
        assert set(sample.gt_instances.labels.tolist()) <= {0, 1}
        assert cfg.model.student.bbox_head.num_classes == 2
    else:
        assert train.metainfo['classes'] == ('road', 'building', 'tree')
        labels = set(np.unique(sample.gt_sem_seg.data.numpy()).tolist())
        assert labels <= {0, 1, 2, 255} and labels & {0, 1, 2}  # reduce_zero_label: 0 -> 255
        assert cfg.model.student.decode_head.num_classes == 3


def readme_snippet() -> str:
    """The Python block of the README's "Configs" section."""
    with open(osp.join(ROOT, 'README.md')) as f:
        section = f.read().split('### Configs', 1)[1]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


def test_readme_snippet_loads_from_a_folder_of_ones_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'my_procd.py').write_text(readme_snippet())
    cfg = Config.fromfile(str(tmp_path / 'my_procd.py'))
    shipped = load_config('procd_retinanet.py')
    # the recipe of the shipped single-stage configs, not the two-stage default
    assert cfg.model.guided_input == 'backbone'
    assert unscoped(cfg.model.to_dict()) == unscoped(shipped.model.to_dict())


def unscoped(cfg):
    """``cfg`` without the ``_scope_`` keys MMEngine adds to ``pkg::`` bases."""
    if isinstance(cfg, dict):
        return {k: unscoped(v) for k, v in cfg.items() if k != '_scope_'}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(unscoped(v) for v in cfg)
    return cfg
