# Copyright (c) procd_mm authors. All rights reserved.
"""Train a ProC-KD distiller (or any mmdet/mmseg model) with MMEngine's Runner.

Usage::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

Distributed runs go through ``tools/dist_train.sh`` / ``tools/slurm_train.sh``; the runner
(:class:`procd_mm.engine.ProCDRunner` unless the config names another) sets them up from
``--launcher`` and ``env_cfg.dist_cfg``, with gloo on a host without GPUs.
"""
import argparse
import os
from typing import List, Optional

from mmengine.config import DictAction

from procd_mm.apis import (RunConfigError, build_runner, check_data_paths, enable_amp,
                           enable_auto_scale_lr, load_run_config, set_resume)
from procd_mm.engine import destroy_process_group
from procd_mm.utils import register_all_modules


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a ProC-KD model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; without a value, from the latest '
        'checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='automatic mixed precision (float16 on CUDA, bfloat16 on CPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the total batch size '
        '(needs auto_scale_lr.base_batch_size in the config)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value (e.g. model.guided=False)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2.0) or --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    try:
        cfg = load_run_config(args.config, args.cfg_options, args.launcher, args.work_dir)
        check_data_paths(cfg, ('train_dataloader', ) +
                         (('val_dataloader', ) if cfg.get('val_cfg', None) else ()))
        if args.amp:
            enable_amp(cfg)
        if args.auto_scale_lr:
            enable_auto_scale_lr(cfg)
        set_resume(cfg, args.resume)
    except RunConfigError as e:
        raise SystemExit(str(e)) from None
    runner = build_runner(cfg)
    runner.train()
    destroy_process_group()


if __name__ == '__main__':
    main()
