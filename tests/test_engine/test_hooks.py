# Copyright (c) procd_mm authors. All rights reserved.
"""Engine hooks through the real runner on the tiny COCO set: the non-finite loss guard,
prototype pictures in the visualizer backends, and the prototype-health log keys."""
import glob
import math
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mm_testing import tiny_det_train_cfg, write_tiny_coco
from mmengine.hooks import Hook

from procd_mm.engine.hooks import NonFiniteLossError, NonFiniteLossHook
from procd_mm.registry import HOOKS, RUNNERS


class InjectNaN(Hook):
    """Test-only: make one loss key NaN at one (1-based) iteration."""

    def __init__(self, at_iter: int, key: str) -> None:
        self.at_iter, self.key = at_iter, key

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 != self.at_iter:
            return
        model = runner.model
        compute = model.loss

        def loss(*args, **kwargs):
            out = compute(*args, **kwargs)
            value = out[self.key]
            nan = float('nan')
            out[self.key] = [v * nan for v in value] if isinstance(value, list) else value * nan
            return out

        model.loss = loss


class RecordLosses(Hook):
    """Test-only: keep every iteration's log variables."""

    def __init__(self):
        self.logs = {}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.logs[runner.iter + 1] = {k: float(v) for k, v in outputs.items()}


@pytest.fixture(scope='module')
def coco(tmp_path_factory):
    return write_tiny_coco(str(tmp_path_factory.mktemp('coco')))


def make_runner(coco, work_dir, max_iters=4, **cfg_changes):
    cfg = tiny_det_train_cfg(coco, str(work_dir), max_iters=max_iters)
    cfg.merge_from_dict(cfg_changes)
    return RUNNERS.build(cfg)


def test_hooks_are_registered():
    assert HOOKS.get('procd_mm.NonFiniteLossHook') is NonFiniteLossHook
    assert HOOKS.get('procd_mm.PrototypeVisualizationHook') is not None


@pytest.mark.slow  # ~10 s: a run, then a resumed run
def test_non_finite_loss_stops_run_and_resume_from_named_checkpoint(coco, tmp_path):
    runner = make_runner(coco, tmp_path, custom_hooks=[dict(type='procd_mm.NonFiniteLossHook')])
    runner.register_hook(InjectNaN(at_iter=3, key='distill.loss_feat'))
    with pytest.raises(NonFiniteLossError) as info:
        runner.train()
    message = str(info.value)
    good = osp.join(str(tmp_path), 'iter_2.pth')
    assert 'non-finite loss at iteration 3:' in message
    assert re.search(r'distill\.loss_feat=nan', message)
    assert re.search(r'\bloss=nan', message)  # the total, which the optimizer stepped on
    assert 'student.loss_cls' not in message  # finite keys are not blamed
    named = re.search(r'the last good checkpoint is (\S+); resume from it', message)
    assert named and named.group(1) == good
    assert not osp.exists(osp.join(str(tmp_path), 'iter_3.pth'))  # NaN weights never saved

    resumed = make_runner(coco, tmp_path, resume=True, load_from=named.group(1),
                          custom_hooks=[dict(type='procd_mm.NonFiniteLossHook')])
    record = RecordLosses()
    resumed.register_hook(record)
    resumed.train()
    assert resumed.iter == 4
    assert sorted(record.logs) == [3, 4]  # it went on from iteration 2
    assert all(math.isfinite(v) for log in record.logs.values() for v in log.values())
    for p in resumed.model.parameters():
        assert torch.isfinite(p).all()


def test_non_finite_loss_before_any_checkpoint(coco, tmp_path):
    runner = make_runner(coco, tmp_path, max_iters=2,
                         custom_hooks=[dict(type='procd_mm.NonFiniteLossHook')])
    runner.register_hook(InjectNaN(at_iter=1, key='student.loss_cls'))
    with pytest.raises(NonFiniteLossError, match=r'non-finite loss at iteration 1: loss=nan, '
                       r'student\.loss_cls=nan\. Training stopped; no checkpoint has been '
                       r'saved in'):
        runner.train()


def test_non_finite_loss_hook_ignores_finite_and_filters_keys():
    hook = NonFiniteLossHook(keys=['loss'])

    class FakeRunner:
        iter = 6
        work_dir = '/nonexistent-work-dir'

    hook.after_train_iter(FakeRunner(), 0, outputs={'loss': torch.tensor(1.0),
                                                    'proto.num_used': float('inf')})
    with pytest.raises(NonFiniteLossError, match=r'iteration 7: loss=inf'):
        hook.after_train_iter(FakeRunner(), 0, outputs={'loss': torch.tensor(float('inf'))})


@pytest.fixture(scope='module')
def visualized_run(coco, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('vis_run')
    runner = make_runner(
        coco, work_dir, max_iters=2,
        custom_hooks=[dict(type='procd_mm.PrototypeVisualizationHook', interval=2,
                           max_images=2, topk=3, patch_size=16)],
        visualizer=dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')],
                        name='proto_vis'))
    record = RecordLosses()
    runner.register_hook(record)
    runner.train()
    return runner, record


def test_prototype_visualization_hook_logs_pictures(visualized_run):
    runner, _ = visualized_run
    vis_dir = osp.join(runner.log_dir, 'vis_data', 'vis_image')
    names = sorted(osp.basename(p) for p in glob.glob(osp.join(vis_dir, '*.png')))
    # interval=2: drawn at iteration 2 only
    assert names == ['prototypes_assignment_0_2.png', 'prototypes_assignment_1_2.png',
                     'prototypes_top_patches_2.png']
    import mmcv
    from procd_mm.visualization import TITLE_HEIGHT as T
    grid = mmcv.imread(osp.join(vis_dir, 'prototypes_top_patches_2.png'))
    # a title, then K=8 rows of colour + topk=3 patches, 16+2 px each
    assert grid.shape == (T + 8 * 18, 4 * 18, 3)
    pic = mmcv.imread(osp.join(vis_dir, 'prototypes_assignment_0_2.png'))
    assert pic.shape[1] == 3 * 64 + 8  # image | teacher | student, 64x64 each
    assert pic.shape[0] >= T + 64 + T  # titles above, a legend below
    for x0 in (0, 68, 136):  # each panel has its title
        assert (pic[:T, x0:x0 + 64] < 128).any()
    assert not np.array_equal(pic[T:T + 64, :64], pic[T:T + 64, 68:132])  # the overlay


def test_prototype_health_keys_in_runner_log(visualized_run):
    runner, record = visualized_run
    hub = runner.message_hub
    for key in ('proto.assign_entropy', 'proto.usage_entropy', 'proto.num_used'):
        history = hub.get_scalar(f'train/{key}')
        values, counts = history.data
        assert len(values) == 2  # one per iteration
        assert np.isfinite(values).all()
        assert record.logs[2][key] == pytest.approx(float(values[-1]))
    num_used = hub.get_scalar('train/proto.num_used').data[0]
    assert ((num_used >= 1) & (num_used <= 8)).all()
    # logged, not optimised: the total loss is the sum of the loss terms alone
    log = record.logs[2]
    assert log['loss'] == pytest.approx(
        sum(v for k, v in log.items() if 'loss' in k and k != 'loss'), rel=1e-5)
