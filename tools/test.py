# Copyright (c) procd_mm authors. All rights reserved.
"""Test (evaluate) a checkpoint with MMEngine's Runner and the config's test loop.

Usage::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--show-dir DIR] [--show]
        [--wait-time S] [--out FILE] [--cfg-options k=v ...] [--launcher ...]

``CHECKPOINT`` is a training run's own checkpoint (a distiller's: the teacher is rebuilt
from ``model.teacher_ckpt``) or a student exported by ``tools/convert_student.py`` with its
config. It is read as the run's own, with full unpickling (as resuming,
``convert_student.py`` and the analysis tools do): test only checkpoints you trust.
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction

from procd_mm.apis import RunConfigError, build_runner, check_data_paths, load_run_config
from procd_mm.engine import destroy_process_group
from procd_mm.utils import register_all_modules, trusted_checkpoints


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


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> None:
    """Turn on the config's visualization hook for ``--show`` / ``--show-dir``."""
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise RunConfigError('--show/--show-dir need default_hooks.visualization in the '
                             'config (mmdet: DetVisualizationHook, mmseg: SegVisualizationHook)')
    hook = hooks['visualization']
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir
    if 'visualizer' in cfg and args.show_dir and not args.show:
        cfg.visualizer.setdefault('vis_backends', [dict(type='LocalVisBackend')])


def dump_predictions(cfg: Config, out: str) -> None:
    """``--out``: add a ``DumpResults`` metric writing the raw predictions to ``out``."""
    if not out.endswith(('.pkl', '.pickle')):
        raise RunConfigError(f'--out must be a .pkl file, got {out!r}')
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
        else [cfg.test_evaluator]
    cfg.test_evaluator = evaluators + [dict(type='DumpResults', out_file_path=out)]


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    try:
        cfg = load_run_config(args.config, args.cfg_options, args.launcher, args.work_dir)
        if not osp.isfile(args.checkpoint):
            raise RunConfigError(f'checkpoint {args.checkpoint!r} does not exist')
        check_data_paths(cfg, ('test_dataloader', ))
        if args.show or args.show_dir:
            trigger_visualization_hook(cfg, args)
        if args.out is not None:
            dump_predictions(cfg, args.out)
    except RunConfigError as e:
        raise SystemExit(str(e)) from None
    cfg.load_from = args.checkpoint
    cfg.resume = False
    runner = build_runner(cfg)
    with trusted_checkpoints():  # the run's own checkpoint
        runner.test()
    destroy_process_group()


if __name__ == '__main__':
    main()
