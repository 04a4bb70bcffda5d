# Copyright (c) procd_mm authors. All rights reserved.
"""A run's config as ``tools/train.py`` and ``tools/test.py`` prepare it from their flags."""
import logging
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.logging import print_log


class RunConfigError(ValueError):
    """A config or a command-line flag cannot make a run; the message says which key and
    what was expected."""


def load_run_config(config: str, cfg_options: Optional[dict] = None, launcher: str = 'none',
                    work_dir: Optional[str] = None) -> Config:
    """Read the config, merge ``--cfg-options`` and set ``launcher`` and ``work_dir``.

    Args:
        config (str): Config file path.
        cfg_options (dict, optional): Overrides from ``--cfg-options``.
        launcher (str): Job launcher (``'none'``, ``'pytorch'``, ``'slurm'``, ``'mpi'``).
            Defaults to ``'none'``.
        work_dir (str, optional): ``--work-dir``; defaults to the config's ``work_dir`` or
            ``./work_dirs/<config name>``.

    Returns:
        Config: The config.

    Raises:
        RunConfigError: The config file does not exist.
    """
    if not osp.isfile(config):
        raise RunConfigError(f'config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def enable_amp(cfg: Config) -> None:
    """Turn on mixed precision: ``AmpOptimWrapper`` (float16) on CUDA,
    ``procd_mm.CPUAmpOptimWrapper`` (bfloat16) without a GPU.

    Args:
        cfg (Config): The config; ``optim_wrapper`` is changed in place.

    Raises:
        RunConfigError: ``optim_wrapper.type`` is another wrapper than ``OptimWrapper``.
    """
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper in ('AmpOptimWrapper', 'procd_mm.CPUAmpOptimWrapper'):
        print_log('AMP is already enabled in the config', logger='current',
                  level=logging.WARNING)
        return
    if wrapper != 'OptimWrapper':
        raise RunConfigError(f'--amp needs optim_wrapper.type OptimWrapper, got {wrapper!r}')
    if torch.cuda.is_available():
        cfg.optim_wrapper.update(type='AmpOptimWrapper', loss_scale='dynamic', dtype='float16')
    else:
        cfg.optim_wrapper.update(type='procd_mm.CPUAmpOptimWrapper', dtype='bfloat16')


def set_resume(cfg: Config, resume: Optional[str]) -> None:
    """``--resume``: ``'auto'`` resumes the latest checkpoint of the work_dir, a path that
    checkpoint.

    Args:
        cfg (Config): The config; ``resume`` and ``load_from`` are set in place.
        resume (str, optional): ``'auto'``, a checkpoint path, or None (no resume).

    Raises:
        RunConfigError: ``resume`` is a path that does not exist.
    """
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        if not osp.isfile(resume):
            raise RunConfigError(f'--resume {resume!r}: no such checkpoint file')
        cfg.resume = True
        cfg.load_from = resume


def enable_auto_scale_lr(cfg: Config) -> None:
    """``--auto-scale-lr``: enable ``auto_scale_lr``.

    Args:
        cfg (Config): The config; ``auto_scale_lr.enable`` is set in place.

    Raises:
        RunConfigError: The config has no ``auto_scale_lr.base_batch_size``.
    """
    if 'auto_scale_lr' in cfg and 'base_batch_size' in cfg.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    else:
        raise RunConfigError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config')
