# Copyright (c) procd_mm authors. All rights reserved.
"""A distillation-pretraining run of the shipped COCO config (at toy size) on a folder of
unlabelled images: progress and ETA in the log, the backbone file at the end, and exact
resume after SIGKILL.

Run as a script, this file is the training worker:
``python test_pretraining_run.py {full,kill,resume} IMG_ROOT WORK_DIR``.
"""
import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch

pytestmark = pytest.mark.slow  # three training processes

N, MAX_ITERS = 2, 4  # the killed run dies right after iteration N's checkpoint


def _worker(mode: str, img_root: str, work_dir: str) -> None:
    from mm_testing import tiny_pretrain_cfg  # tests/ is on PYTHONPATH (_spawn)
    from mmengine.hooks import Hook

    from procd_mm.registry import RUNNERS

    class KillAfterCheckpoint(Hook):

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if runner.iter + 1 == N:
                os.kill(os.getpid(), signal.SIGKILL)

    torch.set_num_threads(1)  # the same reduction order in every process
    cfg = tiny_pretrain_cfg(img_root, work_dir, max_iters=MAX_ITERS)
    cfg.resume = mode == 'resume'
    runner = RUNNERS.build(cfg)
    if mode == 'kill':
        runner.register_hook(KillAfterCheckpoint(), priority='LOWEST')  # after CheckpointHook
    runner.train()


def _spawn(mode, img_root, work_dir):
    tests = osp.dirname(osp.dirname(osp.abspath(__file__)))
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='',
               PYTHONPATH=os.pathsep.join([tests, os.environ.get('PYTHONPATH', '')]))
    return subprocess.Popen(
        [sys.executable, osp.abspath(__file__), mode, img_root, str(work_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    from mm_testing import write_image_folder
    root = tmp_path_factory.mktemp('pretraining')
    images = write_image_folder(str(root / 'images'))
    full, killed = root / 'full', root / 'killed'
    procs = [_spawn('full', images, full), _spawn('kill', images, killed)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert procs[0].returncode == 0, outs[0][-3000:]
    assert procs[1].returncode == -signal.SIGKILL, outs[1][-3000:]
    assert not osp.exists(killed / 'backbone.pth')
    proc = _spawn('resume', images, killed)
    out = proc.communicate(timeout=600)[0]
    assert proc.returncode == 0, out[-3000:]
    return full, killed, outs[0], out


def _state(path):
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def test_log_shows_progress_eta_and_the_backbone_file(runs):
    full, _, log, _ = runs
    assert f'Iter(train) [{MAX_ITERS}/{MAX_ITERS}]' in log
    assert 'eta: ' in log and 'distill.loss_pkd: ' in log
    assert f'backbone written to {full / "backbone.pth"}' in log
    assert "prefix='backbone.')" in log  # the line that loads it


def test_resumed_run_ends_bit_identical(runs):
    full, killed, _, out = runs
    assert f'resumed epoch: 0, iter: {N}' in out
    a, b = _state(full / 'backbone.pth'), _state(killed / 'backbone.pth')
    assert a.keys() == b.keys() and all(k.startswith('backbone.') for k in a)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    ca = torch.load(full / f'iter_{MAX_ITERS}.pth', map_location='cpu', weights_only=False)
    cb = torch.load(killed / f'iter_{MAX_ITERS}.pth', map_location='cpu', weights_only=False)
    for k in ca['state_dict']:  # the projectors too
        assert torch.equal(ca['state_dict'][k], cb['state_dict'][k]), k


if __name__ == '__main__':
    _worker(*sys.argv[1:4])
