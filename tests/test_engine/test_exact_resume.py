# Copyright (c) procd_mm authors. All rights reserved.
"""Resume is exact: a run killed with SIGKILL right after a checkpoint and resumed in a new
process ends bit-identical to an uninterrupted run.

Run as a script, this file is the training worker:
``python test_exact_resume.py {full,kill,resume} COCO_ROOT WORK_DIR``.
"""
import json
import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch

pytestmark = pytest.mark.slow  # three training processes

N = 2  # the killed run dies right after iteration N's checkpoint
MAX_ITERS = N + 1  # the same in every run: the LR milestones depend on it


def _worker(mode: str, coco: str, work_dir: str) -> None:
    from mm_testing import tiny_det_train_cfg  # tests/ is on PYTHONPATH (_spawn)
    from mmengine.hooks import Hook

    from procd_mm.registry import RUNNERS

    class LossLog(Hook):
        """Append each iteration's log variables to WORK_DIR/losses.jsonl."""

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            with open(osp.join(work_dir, 'losses.jsonl'), 'a') as f:
                f.write(json.dumps(dict(iter=runner.iter + 1,
                                        losses={k: float(v) for k, v in outputs.items()})))
                f.write('\n')

    class KillAfterCheckpoint(Hook):
        """SIGKILL this process after iteration N, once CheckpointHook has saved."""

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if runner.iter + 1 == N:
                os.kill(os.getpid(), signal.SIGKILL)

    torch.set_num_threads(1)  # the same reduction order in every process
    cfg = tiny_det_train_cfg(coco, work_dir, max_iters=MAX_ITERS)
    cfg.resume = mode == 'resume'
    runner = RUNNERS.build(cfg)
    runner.register_hook(LossLog())
    if mode == 'kill':
        runner.register_hook(KillAfterCheckpoint(), priority='LOWEST')  # after CheckpointHook
    runner.train()


def _spawn(mode, coco, work_dir):
    tests = osp.dirname(osp.dirname(osp.abspath(__file__)))
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='',  # a CPU run on any host: bit-exact
               PYTHONPATH=os.pathsep.join([tests, os.environ.get('PYTHONPATH', '')]))
    return subprocess.Popen([sys.executable, osp.abspath(__file__), mode, coco, str(work_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def _losses(work_dir):
    with open(osp.join(str(work_dir), 'losses.jsonl')) as f:
        return {r['iter']: r['losses'] for r in map(json.loads, f)}


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)  # our own test files


def _assert_same_state(a, b, what):
    assert a.keys() == b.keys(), what
    for k in a:
        if isinstance(a[k], dict):
            _assert_same_state(a[k], b[k], f'{what}.{k}')
        elif isinstance(a[k], torch.Tensor):
            assert torch.equal(a[k], b[k]), f'{what}.{k} differs'
        else:
            assert a[k] == b[k], f'{what}.{k}: {a[k]!r} != {b[k]!r}'


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    from mm_testing import write_tiny_coco
    root = tmp_path_factory.mktemp('exact_resume')
    coco = write_tiny_coco(str(root / 'coco'))
    full, killed = root / 'full', root / 'killed'
    procs = [_spawn('full', coco, full), _spawn('kill', coco, killed)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert procs[0].returncode == 0, outs[0][-3000:]
    assert procs[1].returncode == -signal.SIGKILL, outs[1][-3000:]
    assert not osp.exists(killed / f'iter_{MAX_ITERS}.pth')  # it did not get further
    killed_losses = _losses(killed)
    with open(killed / 'last_checkpoint') as f:
        killed_last = f.read().strip()
    resume = _spawn('resume', coco, killed)
    out = resume.communicate(timeout=600)[0]
    assert resume.returncode == 0, out[-3000:]
    return full, killed, (killed_losses, killed_last), out


def test_killed_run_left_checkpoint_n(runs):
    full, killed, (killed_losses, killed_last), _ = runs
    assert sorted(killed_losses) == list(range(1, N + 1))
    assert killed_last == str(killed / f'iter_{N}.pth')
    # the two runs agree up to N, so any difference later comes from resuming
    _assert_same_state(_load(full / f'iter_{N}.pth')['state_dict'],
                       _load(killed / f'iter_{N}.pth')['state_dict'], 'state_dict@N')


def test_resume_started_from_checkpoint_n(runs):
    _, killed, _, out = runs
    assert f'resumed epoch: 0, iter: {N}' in out
    assert sorted(_losses(killed)) == list(range(1, MAX_ITERS + 1))  # 1..N killed, N+1 resumed


def test_loss_at_n_plus_1_is_identical(runs):
    full, killed, _, _ = runs
    expected, got = _losses(full)[N + 1], _losses(killed)[N + 1]
    assert got.keys() == expected.keys()
    assert {'loss', 'student.loss_cls', 'guided.loss_cls', 'distill.loss_feat',
            'proto.num_used'} <= got.keys()
    for key in expected:
        assert got[key] == expected[key], f'{key} at iteration {N + 1}'


def test_weights_prototypes_optimizer_scheduler_identical(runs):
    from mm_testing import teacher_keys
    full, killed, _, _ = runs
    a, b = _load(full / f'iter_{MAX_ITERS}.pth'), _load(killed / f'iter_{MAX_ITERS}.pth')
    sa, sb = a['state_dict'], b['state_dict']
    assert 'student.neck.1.prototypes' in sa  # the ProtoAugNeck's prototypes, behind the FPN
    assert any(k.startswith('proto_head.') for k in sa)
    assert any(k.startswith('student.backbone.') for k in sa)
    assert not teacher_keys(sa)
    _assert_same_state(sa, sb, 'state_dict')
    _assert_same_state(a['optimizer'], b['optimizer'], 'optimizer')
    assert len(a['param_schedulers']) == len(b['param_schedulers']) == 1
    _assert_same_state(a['param_schedulers'][0], b['param_schedulers'][0], 'param_scheduler')
    assert a['meta']['iter'] == b['meta']['iter'] == MAX_ITERS


if __name__ == '__main__':
    _worker(*sys.argv[1:4])
