# Copyright (c) procd_mm authors. All rights reserved.
"""A zoo config prepared for one run: its data, work dir, seed, teacher, schedule and split."""
import os.path as osp
import time
from typing import Optional

from .benchmarks import BENCHMARKS, CONFIG_ZOO_DIR, retarget
from .catalogue import QUICK_ITERS, ROOT
from .options import ZooOptions


def quick_loaders(cfg) -> None:
    """No worker processes and short log intervals, for the pipeline check.

    Args:
        cfg (mmengine.Config): Changed in place.
    """
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):  # a first stage has no val/test loader
            cfg[key]['num_workers'] = 0
            cfg[key]['persistent_workers'] = False
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(cfg.get('log_processor', {}), window_size=1)


def prepare_config(path: str, data: str, work_dir: str, seed: int,
                   teacher_ckpt: Optional[str], quick: bool, iters: Optional[int] = None,
                   zoo_dir: str = CONFIG_ZOO_DIR, split: str = 'test',
                   iter_scale: float = 1.0):
    """Load a zoo config and point it at this run's data, work dir, seed and teacher.

    Args:
        path (str): Config path relative to the repository root.
        data (str): The benchmark folder (ProC-Parts or another of ``BENCHMARKS``).
        work_dir (str): The run's work dir.
        seed (int): Random seed.
        teacher_ckpt (str, optional): The teacher checkpoint.
        quick (bool): Pipeline-check mode (few iterations, no worker processes).
        iters (int, optional): Override the number of training iterations.
        zoo_dir (str): Where this zoo keeps its pretrained checkpoints: the configs'
            ``work_dirs/zoo/`` paths move there.
        split (str): The split scored after training: ``'test'`` (the tables) or
            ``'val'`` (choosing defaults; the config's val loader and evaluator).
        iter_scale (float): Train this many times the schedule's iterations (the
            compute-matched controls; not in a pipeline check). Defaults to 1.0.

    Returns:
        mmengine.Config: The prepared config.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, path))
    cfg = Config(retarget(cfg.to_dict(), data, teacher_ckpt, zoo_dir), filename=cfg.filename)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed, deterministic=False)
    iters = QUICK_ITERS if quick and iters is None else iters
    if iter_scale != 1.0 and not quick:
        iters = int(round((iters or cfg.train_cfg.max_iters) * iter_scale))
    if iters is not None:
        cfg.train_cfg.max_iters = iters
        for sched in cfg.param_scheduler:
            if sched.type == 'MultiStepLR':
                sched.milestones = [max(1, int(iters * 0.8))]
            if sched.type == 'LinearLR':
                sched.end = min(sched.end, max(1, iters // 10))
        cfg.default_hooks.checkpoint.interval = min(cfg.default_hooks.checkpoint.interval,
                                                    iters)
    cfg.train_cfg.val_interval = cfg.train_cfg.max_iters + 1  # the split is scored at the end
    if split == 'val':
        cfg.test_dataloader = cfg.val_dataloader
        cfg.test_evaluator = cfg.val_evaluator
    elif split != 'test':
        raise ValueError(f"split must be 'test' or 'val', got {split!r}")
    cfg.default_hooks.visualization = dict(type=cfg.default_hooks.visualization.type)
    if quick:
        quick_loaders(cfg)
    return cfg


def name_run(cfg, name: str, work_dir: str) -> None:
    """Give the run its own experiment and visualizer name (in one process a shared name
    would log into the first run's dir) and keep its config in ``work_dir``.

    Args:
        cfg (mmengine.Config): Changed in place.
        name (str): The run's name; a time stamp is appended.
        work_dir (str): The run's work dir; receives ``config.py``.
    """
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.visualizer.name = cfg.experiment_name
    cfg.dump(osp.join(work_dir, 'config.py'))


def schedule_iters(opts: ZooOptions, task: str) -> Optional[int]:
    """Training iterations of ``task``'s runs.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.

    Returns:
        int, optional: ``opts.iters``, else the benchmark's own schedule
        (``BENCHMARKS[...]['iters']``), else None (each config's own; ``QUICK_ITERS``
        for a pipeline check).
    """
    if opts.iters is not None or opts.quick:
        return opts.iters
    return BENCHMARKS[opts.benchmark].get('iters', {}).get(task)
