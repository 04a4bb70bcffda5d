# Copyright (c) procd_mm authors. All rights reserved.
"""Distributed runs on hosts without a GPU (gloo), where MMEngine's set-up cannot go.

MMEngine's ``init_dist`` calls ``torch.cuda.set_device`` for every launcher, which fails
without a GPU, and its DDP wrapper passes ``device_ids=[LOCAL_RANK]``, which CPU modules
refuse. :class:`procd_mm.engine.ProCDRunner` calls :func:`init_cpu_process_group` before
MMEngine's own set-up on such hosts (MMEngine then finds the group started) and builds DDP
with ``device_ids=None``; with GPUs it leaves everything to MMEngine.
"""
import datetime
import os
import subprocess
from typing import Optional

import torch.distributed as dist
from mmengine.logging import print_log


def cpu_backend(backend: Optional[str]) -> str:
    """The backend of a CPU run: ``env_cfg.dist_cfg.backend``, with ``nccl`` (MMEngine's
    default, GPU only) replaced by ``gloo``.

    Args:
        backend (str, optional): ``env_cfg.dist_cfg.backend``.

    Returns:
        str: ``'gloo'``, or the configured CPU backend (``'mpi'``).
    """
    if backend in (None, 'nccl'):
        if backend == 'nccl':
            print_log('no GPU: env_cfg.dist_cfg.backend nccl -> gloo', logger='current')
        return 'gloo'
    return backend


def _slurm_env(port: Optional[int]) -> None:
    """What ``torch.distributed`` reads from the environment, from SLURM's variables (as
    MMEngine's SLURM launcher derives it)."""
    node_list = os.environ['SLURM_NODELIST']
    os.environ.setdefault(
        'MASTER_ADDR', subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1'))
    os.environ['MASTER_PORT'] = str(port or os.environ.get('MASTER_PORT', 29500))
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def _mpi_env() -> None:
    """What ``torch.distributed`` reads from the environment, from Open MPI's variables."""
    os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
    os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
    os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        raise KeyError('launcher mpi: the environment variable MASTER_ADDR is not set')


def init_cpu_process_group(launcher: str, backend: Optional[str] = None,
                           port: Optional[int] = None, timeout: Optional[float] = None,
                           **kwargs) -> None:
    """Start the default process group of a CPU run from the launcher's environment.

    Args:
        launcher (str): ``'pytorch'`` (``torch.distributed.run``), ``'slurm'`` or ``'mpi'``.
        backend (str, optional): ``env_cfg.dist_cfg.backend``; see :func:`cpu_backend`.
        port (int, optional): ``env_cfg.dist_cfg.port`` (SLURM), as in MMEngine.
        timeout (float, optional): ``env_cfg.dist_cfg.timeout`` in seconds.
        **kwargs: Passed to ``torch.distributed.init_process_group``.

    Raises:
        ValueError: ``launcher`` is none of the three.
    """
    if launcher == 'slurm':
        _slurm_env(port)
    elif launcher == 'mpi':
        _mpi_env()
    elif launcher != 'pytorch':
        raise ValueError(f"launcher must be 'pytorch', 'slurm' or 'mpi', got {launcher!r}")
    if timeout is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    dist.init_process_group(backend=cpu_backend(backend), rank=int(os.environ['RANK']),
                            world_size=int(os.environ['WORLD_SIZE']), **kwargs)


def destroy_process_group() -> None:
    """End a distributed run: wait for every rank, then destroy the default group.

    A no-op outside a distributed run. Called by the tools after the runner's work, while
    the interpreter is fully alive (a gloo group left to interpreter shutdown can abort it).
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
