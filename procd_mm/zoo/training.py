# Copyright (c) procd_mm authors. All rights reserved.
"""Training a zoo config with the runner procd_mm builds (``procd_mm.apis.build_runner``):
resumable, with its wall time kept."""
import json
import os.path as osp
import time
from typing import Tuple

from procd_mm.apis import build_runner

from .layout import final_checkpoint
from .progress import log


def train_timed(cfg, work_dir: str, name: str) -> Tuple[object, float]:
    """Train ``cfg``, resuming from ``work_dir``'s last checkpoint if any, and add the wall
    time to ``work_dir/timing.json`` (also when interrupted).

    Args:
        cfg (mmengine.Config): The run's config; ``resume`` is set when resuming.
        work_dir (str): The run's work dir.
        name (str): The run's name in the progress lines.

    Returns:
        tuple: The runner and the run's total train time in seconds (over resumes).
    """
    timing_path = osp.join(work_dir, 'timing.json')
    timing = dict(train_time_s=0.0)
    if osp.exists(timing_path):
        with open(timing_path) as f:
            timing = json.load(f)
    last = final_checkpoint(work_dir)
    if last:
        cfg.resume = True
        log(f'{name}: resuming from {last}')
    t0 = time.time()
    runner = build_runner(cfg)
    try:
        runner.train()
    finally:
        timing['train_time_s'] += time.time() - t0
        with open(timing_path, 'w') as f:
            json.dump(timing, f)
    return runner, timing['train_time_s']


def count_params(module) -> int:
    """Number of parameters of ``module``.

    Args:
        module (torch.nn.Module): The module.

    Returns:
        int: The count.
    """
    return int(sum(p.numel() for p in module.parameters()))
