# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.analysis.part_alignment (metrics on known inputs) and
tools/analysis/part_alignment.py end to end on a tiny ProC-Parts and a tiny distiller."""
import json
import math
import os.path as osp
import subprocess
import sys

import mmcv
import numpy as np
import pytest
import torch
from mm_testing import ROOT, tiny_det_train_cfg
from mmengine.registry import init_default_scope
from PIL import Image

from procd_mm.analysis import (alignment_metrics, baseline_rows, cell_targets, contingency,
                               evaluate_checkpoint, load_trained_distiller, nmi, purity)
from procd_mm.datasets.procd_parts import write_dataset
from procd_mm.registry import MODELS
from procd_mm.utils import register_all_modules

TOOL = osp.join(ROOT, 'tools', 'analysis', 'part_alignment.py')


# -- metrics ---------------------------------------------------------------------------------
def test_nmi_and_purity_perfect_alignment():
    truth = np.repeat([0, 1, 2, 3], 25)
    pred = np.array([7, 3, 5, 0])[truth]  # other ids, same partition
    assert nmi(pred, truth) == pytest.approx(1.0)
    assert purity(pred, truth) == 1.0
    finer = truth * 2 + np.arange(100) % 2  # each part split over two prototypes
    assert purity(finer, truth) == 1.0
    assert 0.5 < nmi(finer, truth) < 1.0  # NMI, unlike purity, charges the extra clusters


def test_nmi_independent_is_zero_and_purity_is_majority_share():
    i = np.arange(1200)
    pred, truth = i % 4, (i // 4) % 3  # every (pred, truth) pair equally often
    assert contingency(pred, truth).tolist() == [[100] * 3] * 4
    assert nmi(pred, truth) == pytest.approx(0.0, abs=1e-12)
    assert purity(pred, truth) == pytest.approx(1 / 3)
    rng = np.random.RandomState(0)
    assert nmi(rng.randint(8, size=20000), rng.randint(5, size=20000)) < 0.002


def test_nmi_by_hand_and_limit_cases():
    pred, truth = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1])
    mi = 0.5 * math.log(0.5 / 0.375) + 0.25 * math.log(0.25 / 0.375) + 0.25 * math.log(2)
    h_pred, h_truth = math.log(2), -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert nmi(pred, truth) == pytest.approx(2 * mi / (h_pred + h_truth))
    assert nmi(truth, pred) == pytest.approx(nmi(pred, truth))  # symmetric
    assert purity(pred, truth) == 0.75
    assert nmi([3, 3, 3], [1, 1, 1]) == 1.0  # sklearn's convention
    assert nmi([3, 3, 3], [1, 2, 1]) == 0.0
    with pytest.raises(ValueError, match='empty'):
        nmi([], [])
    with pytest.raises(ValueError, match='same length'):
        purity([1, 2], [1])


def test_cell_targets_majority_nearest_and_padding():
    label = np.array([[0, 0, 1, 1],
                      [0, 2, 1, 1],
                      [0, 0, 0, 2],
                      [0, 0, 2, 2]], np.uint8)
    part = np.array([[0, 0, 3, 5],
                     [0, 4, 5, 5],
                     [0, 0, 0, 4],
                     [0, 0, 1, 1]], np.uint8)
    cls, prt, valid = cell_targets(label, part, (4, 4), (2, 2))
    assert valid.all()
    # top-left: 1 object pixel of 4 -> background; top-right: class 1, part 5 (3 of 4);
    # bottom-right: 3 object pixels of class 2, parts 4, 1, 1 -> part 1
    assert cls.tolist() == [[0, 1], [0, 2]] and prt.tolist() == [[0, 5], [0, 1]]
    cls, prt, valid = cell_targets(label, part, (4, 4), (2, 2), downsample='nearest')
    # centres are pixels (1, 1), (1, 3), (3, 1), (3, 3)
    assert cls.tolist() == [[2, 1], [0, 2]] and prt.tolist() == [[4, 5], [0, 1]]
    # a 2x4 image padded to 4x4: the lower cells are all padding
    cls, prt, valid = cell_targets(label[:2], part[:2], (4, 4), (2, 2))
    assert valid.tolist() == [[True, True], [False, False]]
    cls, _, valid = cell_targets(label[:3], part[:3], (4, 4), (2, 2))  # half inside: valid
    assert valid.all() and cls.tolist() == [[0, 1], [0, 2]]  # 1 of 2 pixels is object
    with pytest.raises(ValueError, match='downsample'):
        cell_targets(label, part, (4, 4), (2, 2), downsample='mean')
    with pytest.raises(ValueError, match='same shape'):
        cell_targets(label, part[:2], (4, 4), (2, 2))


def test_alignment_metrics_background_by_hand():
    a = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    classes, parts = np.array([0, 0, 1, 1]), np.array([0, 0, 1, 2])
    m = alignment_metrics(a, classes, parts)
    assert m['bg_location_share'] == 0.5
    assert m['bg_mass_share'] == pytest.approx(0.5)  # = the location share, by construction
    # prototype 0 holds 1.7 of its 2.4 on background, prototype 1 holds 0.3 of 1.6
    assert m['bg_share_per_prototype'] == pytest.approx([1.7 / 2.4, 0.3 / 1.6])
    assert m['bg_soft_purity'] == pytest.approx((1.7 + 1.3) / 4)
    assert m['bg_soft_purity_chance'] == 0.5
    assert m['num_object_prototypes'] == 1  # prototype 1: 81% of its mass on objects
    assert m['nmi_objectness'] == 1.0  # the winner tells object from background
    assert (m['num_used'], m['num_used_objects']) == (2, 1)
    assert m['usage_perplexity'] == pytest.approx(2.0)
    assert m['nmi_part'] == 0.0 and m['purity_part'] == 0.5  # one prototype, two parts
    assert m['nmi_class'] == 1.0 and m['purity_class'] == 1.0
    assert (m['num_locations'], m['num_object_locations'], m['num_prototypes']) == (4, 2, 2)
    m = alignment_metrics(a[:2], classes[:2], parts[:2])  # no object locations
    assert m['nmi_part'] is None and m['purity_class'] is None


def test_baseline_rows_are_near_chance():
    rng = np.random.RandomState(1)
    parts = rng.randint(1, 5, 4000)
    classes = np.where(np.arange(4000) < 3000, 1, 0)
    parts = np.where(classes > 0, parts, 0)
    a = np.full((4000, 6), 0.02)
    a[np.arange(4000), np.where(classes > 0, parts, 5)] = 0.9  # perfectly part-aligned
    model = alignment_metrics(a, classes, parts)
    assert model['nmi_part'] == pytest.approx(1.0) and model['bg_soft_purity'] > 0.95
    rows = baseline_rows(a, classes, parts, seed=0, chance_repeats=3, random_assignment=True)
    chance, rand = rows['chance_shuffled'], rows['random_assignment']
    assert chance['nmi_part'] < 0.01 and rand['nmi_part'] < 0.01
    assert model['nmi_objectness'] > 0.5 and chance['nmi_objectness'] < 0.01
    assert model['num_object_prototypes'] == 4 and chance['num_object_prototypes'] == 5
    assert chance['num_used'] == 5  # the permutation keeps the usage
    assert chance['bg_soft_purity'] == pytest.approx(0.75, abs=0.02)  # all mass mostly fg
    assert chance['chance_repeats'] == 3 and 'bg_share_per_prototype' not in chance
    assert rand['num_used'] == 6


# -- the tool end to end ---------------------------------------------------------------------
@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('part_alignment')
    write_dataset(str(root / 'parts'), seed=0,
                  counts=dict(cls_train=1, cls_val=1, det_train=1, det_val=3, det_test=1))
    cfg = tiny_det_train_cfg(str(root), str(root / 'work'))  # RetinaNet-R18, ResNet-18, K=8
    init_default_scope('mmdet')
    teacher = MODELS.build(dict(cfg.model.teacher, _scope_='mmpretrain'))
    cfg.model.teacher_ckpt = str(root / 'teacher.pth')  # the teacher is not in CKPT
    torch.save({'state_dict': teacher.state_dict()}, cfg.model.teacher_ckpt)
    config = str(root / 'procd_tiny.py')
    cfg.dump(config)
    model = MODELS.build(cfg.model)
    with torch.no_grad():  # trained-looking prototypes instead of the init values
        model.aug_neck.prototypes.normal_()
    ckpt = str(root / 'distiller.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    return root, config, ckpt, str(root / 'parts' / 'scenes')


def _maps(scenes, sub):
    return [np.asarray(Image.open(osp.join(scenes, sub, 'val', f'{i:04d}.png')))
            for i in range(3)]


@pytest.mark.slow
def test_tool_end_to_end(setup):
    root, config, ckpt, scenes = setup
    out = str(root / 'out' / 'nearest.json')
    proc = subprocess.run(
        [sys.executable, TOOL, config, ckpt, '--data-root', scenes, '--split', 'val', '--out',
         out, '--downsample', 'nearest', '--random-assignment', '--batch-size', '2'],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = proc.stdout
    assert 'NMI part' in printed and 'chance_shuffled' in printed and out in printed
    with open(out) as f:
        result = json.load(f)
    assert (result['num_images'], result['grid'], result['pad_shape']) == (3, [16, 16],
                                                                          [128, 128])
    assert result['num_prototypes'] == 8 and result['nmi_normalisation'] == 'arithmetic'
    assert set(result['rows']) == {'model', 'chance_shuffled', 'random_assignment'}
    row = result['rows']['model']
    labels, parts = _maps(scenes, 'ann_dir'), _maps(scenes, 'part_dir')
    centres = [(lab[4::8, 4::8], prt[4::8, 4::8]) for lab, prt in zip(labels, parts)]
    assert row['num_locations'] == 3 * 256
    assert row['num_object_locations'] == sum(int((c > 0).sum()) for c, _ in centres) > 0
    assert row['bg_mass_share'] == pytest.approx(row['bg_location_share'])
    assert 1 <= row['num_used'] <= 8 and len(row['bg_share_per_prototype']) == 8

    # the same numbers from the model run here, without the tool's plumbing
    model = load_trained_distiller(config, ckpt)
    tensors = [torch.from_numpy(mmcv.imread(osp.join(  # BGR, as LoadImageFromFile reads
        scenes, 'img_dir', 'val', f'{i:04d}.jpg')).transpose(2, 0, 1).copy())
        for i in range(3)]
    inputs = model.data_preprocessor(dict(inputs=tensors, data_samples=None), False)['inputs']
    with torch.no_grad():
        out = model.proto_head(model.teacher_forward(inputs), model.aug_neck.prototypes)
        hard = out['assignment'].argmax(1).numpy()
    obj = np.concatenate([(c > 0).ravel() for c, _ in centres])
    part = np.concatenate([p.ravel() for _, p in centres])[obj]
    cls = np.concatenate([c.ravel() for c, _ in centres])[obj]
    assert row['nmi_part'] == pytest.approx(nmi(hard.reshape(-1)[obj], part))
    assert row['purity_part'] == pytest.approx(purity(hard.reshape(-1)[obj], part))
    assert row['nmi_class'] == pytest.approx(nmi(hard.reshape(-1)[obj], cls))

    register_all_modules(init_default_scope=False)
    result = evaluate_checkpoint(config, ckpt, scenes)  # majority, no random row
    assert set(result['rows']) == {'model', 'chance_shuffled'}
    blocks = [(lab > 0).reshape(16, 8, 16, 8).mean((1, 3)) >= 0.5 for lab in labels]
    assert result['rows']['model']['num_object_locations'] == sum(int(b.sum()) for b in blocks)


@pytest.mark.slow
def test_tool_loads_the_runs_own_checkpoint_without_a_flag(setup, tmp_path):
    from mmengine.logging import HistoryBuffer
    root, config, ckpt, scenes = setup
    state = torch.load(ckpt, weights_only=True)
    state['message_hub'] = {'log_scalars': {'train/loss': HistoryBuffer()}}  # as runners save
    runner_ckpt = str(tmp_path / 'iter_2.pth')
    torch.save(state, runner_ckpt)
    register_all_modules(init_default_scope=False)
    result = evaluate_checkpoint(config, runner_ckpt, scenes, max_images=1)
    assert result['num_images'] == 1  # one rule for a run's own checkpoints


def test_missing_data_is_named_before_building_the_model(tmp_path):
    args = ('no_config.py', 'no_ckpt.pth', str(tmp_path))
    with pytest.raises(FileNotFoundError, match='data_root must be a ProC-Parts scenes'):
        evaluate_checkpoint(*args)
    (tmp_path / 'img_dir' / 'val').mkdir(parents=True)  # a folder without part maps
    with pytest.raises(FileNotFoundError, match='regenerate it with tools/dataset_converters'):
        evaluate_checkpoint(*args)
