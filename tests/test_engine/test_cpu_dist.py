# Copyright (c) procd_mm authors. All rights reserved.
"""The CPU (gloo) distributed set-up of ProCDRunner, in one process (world size 1)."""
import os
import os.path as osp

import pytest
import torch.distributed as dist
from mm_testing import ROOT

from procd_mm.engine import destroy_process_group, init_cpu_process_group
from procd_mm.engine.cpu_dist import cpu_backend

FAKE_SLURM = osp.join(ROOT, 'tests', 'data', 'fake_slurm')


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def clean_env(monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.setenv(key, 'unset')  # recorded, so that what the set-up writes is undone
        monkeypatch.delenv(key)
    yield monkeypatch
    destroy_process_group()
    assert not dist.is_initialized()


def test_backend_on_cpu():
    assert cpu_backend(None) == 'gloo'
    assert cpu_backend('nccl') == 'gloo'  # MMEngine's GPU default
    assert cpu_backend('gloo') == 'gloo' and cpu_backend('mpi') == 'mpi'


def test_pytorch_launcher_starts_gloo_group(clean_env):
    clean_env.setenv('RANK', '0')
    clean_env.setenv('WORLD_SIZE', '1')
    clean_env.setenv('MASTER_ADDR', '127.0.0.1')
    clean_env.setenv('MASTER_PORT', str(free_port()))
    init_cpu_process_group('pytorch', backend='nccl', timeout=60)
    assert dist.is_initialized()
    assert dist.get_backend() == 'gloo' and dist.get_world_size() == 1


def test_slurm_launcher_reads_slurm_environment(clean_env):
    clean_env.setenv('PATH', FAKE_SLURM + os.pathsep + os.environ['PATH'])  # scontrol
    clean_env.setenv('SLURM_NODELIST', 'node[1-2]')
    clean_env.setenv('SLURM_NTASKS', '1')
    clean_env.setenv('SLURM_PROCID', '0')
    clean_env.setenv('SLURM_LOCALID', '0')
    port = free_port()
    init_cpu_process_group('slurm', port=port)
    assert dist.get_world_size() == 1 and dist.get_rank() == 0
    assert os.environ['MASTER_PORT'] == str(port)
    assert os.environ['MASTER_ADDR']  # from `scontrol show hostname`
    assert (os.environ['WORLD_SIZE'], os.environ['RANK']) == ('1', '0')


def test_unknown_launcher_is_named():
    with pytest.raises(ValueError, match="got 'k8s'"):
        init_cpu_process_group('k8s')


def test_destroy_outside_a_run_is_a_no_op():
    assert not dist.is_initialized()
    destroy_process_group()
