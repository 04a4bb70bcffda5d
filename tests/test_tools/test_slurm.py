# Copyright (c) procd_mm authors. All rights reserved.
"""tools/slurm_train.sh and tools/slurm_test.sh under a stand-in ``srun``/``scontrol``
(tests/data/fake_slurm): two tasks on CPU (gloo), as SLURM would start them."""
import json
import os
import os.path as osp
import subprocess

import pytest
from test_dist_train import MAX_ITERS, check_gathered_test, check_ranks, read_hashes
from tools_testing import TEST_DATA, TOOLS, python_tool, retry_port_clash, tiny_config, tool_env

FAKE_SLURM = osp.join(TEST_DATA, 'fake_slurm')


def slurm_env(tmp_path, port, **extra) -> dict:
    env = tool_env(GPUS=2, GPUS_PER_NODE=2, CPUS_PER_TASK=1, PORT=port,
                   FAKE_SRUN_LOG=str(tmp_path / 'srun.json'), **extra)
    env['PATH'] = FAKE_SLURM + os.pathsep + env['PATH']
    env.pop('MASTER_ADDR', None)  # must come from ``scontrol show hostname``
    return env


def run_slurm(args, tmp_path):
    """Run a tools/slurm_*.sh command; rank 0 binds PORT, so retry if it was taken."""
    def run(port):
        proc = subprocess.run(args, env=slurm_env(tmp_path, port), capture_output=True,
                              text=True, timeout=150, cwd=tmp_path)
        return proc, proc.returncode != 0, proc.stdout + proc.stderr
    return retry_port_clash(run)


@pytest.mark.slow
def test_slurm_train_two_tasks(tmp_path):
    config, work_dir = tiny_config(tmp_path, MAX_ITERS, hash_hook=True)
    proc = run_slurm(
        ['bash', osp.join(TOOLS, 'slurm_train.sh'), 'gpu_part', 'procd_job', config, work_dir],
        tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(tmp_path / 'srun.json') as f:
        srun = json.load(f)
    assert (srun['partition'], srun['job_name'], srun['gres'], srun['ntasks'],
            srun['ntasks_per_node'], srun['kill_on_bad_exit']) == (
                'gpu_part', 'procd_job', 'gpu:2', '2', '2', '1')
    assert srun['command'][-3:-1] == [config, f'--work-dir={work_dir}']
    assert srun['command'][-1] == '--launcher=slurm'
    check_ranks(read_hashes(work_dir, 2))
    assert osp.isfile(osp.join(work_dir, f'iter_{MAX_ITERS}.pth'))


@pytest.mark.slow
def test_slurm_test_two_tasks(tmp_path):
    config, work_dir = tiny_config(tmp_path, max_iters=2)
    train = python_tool('train.py', config)
    assert train.returncode == 0, train.stderr[-3000:]
    out = str(tmp_path / 'preds.pkl')
    proc = run_slurm(
        ['bash', osp.join(TOOLS, 'slurm_test.sh'), 'gpu_part', 'procd_test', config,
         osp.join(work_dir, 'iter_2.pth'), '--out', out,
         '--cfg-options', 'model.student.test_cfg.score_thr=0.0'], tmp_path)
    check_gathered_test(proc, out)


def test_slurm_train_usage():
    proc = subprocess.run(['bash', osp.join(TOOLS, 'slurm_train.sh'), 'part', 'job'],
                          env=tool_env(), capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert 'usage' in proc.stderr
