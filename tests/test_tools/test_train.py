# Copyright (c) procd_mm authors. All rights reserved.
"""tools/train.py and tools/test.py in one process each, on tiny COCO data (CPU)."""
import glob
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config
from mm_testing import teacher_keys
from tools_testing import ROOT, python_tool, tiny_config

pytestmark = pytest.mark.slow  # every test starts train.py/test.py (4-33 s each)


def test_missing_data_names_path_and_key(tmp_path):
    config, _ = tiny_config(tmp_path)
    missing = str(tmp_path / 'no_such_dir')
    proc = python_tool('train.py', config, '--cfg-options',
                       f'train_dataloader.dataset.data_root={missing}')
    assert proc.returncode != 0
    assert 'do not exist' in proc.stderr
    assert f"train_dataloader.dataset.data_root = '{missing}'" in proc.stderr
    assert 'train_dataloader.dataset.ann_file' in proc.stderr
    assert 'Traceback' not in proc.stderr  # a message, not a crash
    assert not osp.exists(osp.join(str(tmp_path), 'work'))  # stopped before the runner


def test_missing_coco_for_shipped_config(tmp_path):
    proc = python_tool('train.py', osp.join(ROOT, 'configs', 'procd_faster-rcnn.py'),
                       '--work-dir', tmp_path / 'work', '--cfg-options',
                       f'train_dataloader.dataset.data_root={tmp_path}/coco/')
    assert proc.returncode != 0
    assert f'{tmp_path}/coco/annotations/instances_train2017.json' in proc.stderr
    assert 'train_dataloader.dataset.ann_file' in proc.stderr


def test_resume_auto_and_explicit(tmp_path):
    config, work_dir = tiny_config(tmp_path, max_iters=2)
    first = python_tool('train.py', config)
    assert first.returncode == 0, first.stderr[-3000:]
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))

    # --resume without a value: the latest checkpoint of the work_dir
    second = python_tool('train.py', config, '--resume', '--cfg-options',
                         'train_cfg.max_iters=4')
    assert second.returncode == 0, second.stderr[-3000:]
    log = second.stdout + second.stderr
    assert 'resumed epoch: 0, iter: 2' in log
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log
    ckpt = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=False)
    assert ckpt['meta']['iter'] == 4
    assert not teacher_keys(ckpt['state_dict'])

    # --resume CKPT into another work_dir
    other = str(tmp_path / 'other')
    third = python_tool('train.py', config, '--work-dir', other, '--resume',
                        osp.join(work_dir, 'iter_2.pth'), '--cfg-options',
                        'train_cfg.max_iters=3')
    assert third.returncode == 0, third.stderr[-3000:]
    assert 'resumed epoch: 0, iter: 2' in third.stdout + third.stderr
    assert torch.load(osp.join(other, 'iter_3.pth'), weights_only=False)['meta']['iter'] == 3


def test_resume_missing_file(tmp_path):
    config, _ = tiny_config(tmp_path)
    proc = python_tool('train.py', config, '--resume', tmp_path / 'nope.pth')
    assert proc.returncode != 0
    assert 'nope.pth' in proc.stderr and 'no such checkpoint' in proc.stderr


def test_amp_on_cpu_uses_bfloat16(tmp_path):
    config, work_dir = tiny_config(tmp_path, max_iters=1)
    proc = python_tool('train.py', config, '--amp')
    assert proc.returncode == 0, proc.stderr[-3000:]
    dumped = Config.fromfile(osp.join(work_dir, 'tiny_procd.py'))
    # python_tool's environment hides any GPU: the CPU path on every host
    assert dumped.optim_wrapper.type == 'procd_mm.CPUAmpOptimWrapper'  # our registry's
    assert dumped.optim_wrapper.dtype == 'bfloat16'
    assert osp.isfile(osp.join(work_dir, 'iter_1.pth'))


def test_test_py_on_tiny_data(tmp_path):
    config, work_dir = tiny_config(tmp_path, max_iters=2)
    cfg = Config.fromfile(config)
    cfg.default_hooks.visualization = dict(type='DetVisualizationHook')
    cfg.visualizer = dict(type='DetLocalVisualizer', name='visualizer')
    cfg.dump(config)
    train = python_tool('train.py', config)
    assert train.returncode == 0, train.stderr[-3000:]
    ckpt = osp.join(work_dir, 'iter_2.pth')
    out = str(tmp_path / 'preds.pkl')
    proc = python_tool('test.py', config, ckpt, '--work-dir', tmp_path / 'test_work',
                       '--out', out, '--show-dir', 'vis', '--cfg-options',
                       'model.student.test_cfg.score_thr=0.0')
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert f'Load checkpoint from {ckpt}' in log
    assert 'coco/bbox_mAP' in log
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 8
    assert all(len(p['pred_instances']['bboxes']) > 0 for p in preds)
    assert len(glob.glob(str(tmp_path / 'test_work' / '*' / 'vis' / '*.png'))) == 8


def test_test_py_missing_checkpoint(tmp_path):
    config, _ = tiny_config(tmp_path)
    proc = python_tool('test.py', config, tmp_path / 'missing.pth')
    assert proc.returncode != 0
    assert 'missing.pth' in proc.stderr and 'does not exist' in proc.stderr


def test_auto_scale_lr(tmp_path):
    config, _ = tiny_config(tmp_path, max_iters=2)  # the lr step comes at iteration 1
    proc = python_tool('train.py', config, '--auto-scale-lr')
    assert proc.returncode != 0 and 'auto_scale_lr.base_batch_size' in proc.stderr
    # batch 2 on one process against a base of 8: lr 0.01 -> 0.0025
    proc = python_tool('train.py', config, '--auto-scale-lr', '--cfg-options',
                       'auto_scale_lr.base_batch_size=8')
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert 'Scaling the original LR by 0.25' in log
    assert 'Iter(train) [1/2]  lr: 2.5000e-03' in log
