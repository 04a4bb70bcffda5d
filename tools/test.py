# Copyright (c) procd_mm authors. All rights reserved.
"""Test (evaluate) a checkpoint with MMEngine's Runner and the config's test loop.

Usage::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR] [--show]
        [--wait-time S] [--out FILE] [--cfg-options k=v ...] [--launcher ...]

``CHECKPOINT`` is a training run's own checkpoint (a distiller's: the teacher is rebuilt
from ``model.teacher_ckpt``) or a student exported by ``tools/convert_student.py`` with its
config. A run's checkpoint holds MMEngine's message hub, which safe loading refuses, so it
is read with full unpickling, as resuming does: test only checkpoints you trust.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from train import (build_runner, check_data_paths, close_dist, load_cfg,  # noqa: E402
                   setup_dist)

from mmengine.config import DictAction  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/test.py``."""
    parser = argparse.ArgumentParser(description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and metrics')
    parser.add_argument('--out', help='dump the raw predictions to this pickle file')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='save painted predictions under work_dir/timestamp/SHOW_DIR')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg, args) -> None:
    """Turn on the config's visualization hook for ``--show`` / ``--show-dir``."""
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise SystemExit('--show/--show-dir need default_hooks.visualization in the config '
                         "(mmdet: DetVisualizationHook, mmseg: SegVisualizationHook)")
    hook = hooks['visualization']
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir
    if 'visualizer' in cfg and args.show_dir and not args.show:
        cfg.visualizer.setdefault('vis_backends', [dict(type='LocalVisBackend')])


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg = load_cfg(args.config, args.cfg_options, args.launcher, args.work_dir)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'checkpoint {args.checkpoint!r} does not exist')
    check_data_paths(cfg, ('test_dataloader', ))
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise SystemExit('--out must be a .pkl file')
        cfg.test_evaluator = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
            else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.out))
    setup_dist(cfg)
    runner = build_runner(cfg)
    from procd_mm.utils import trusted_checkpoints
    with trusted_checkpoints():
        runner.test()
    close_dist()


if __name__ == '__main__':
    main()
