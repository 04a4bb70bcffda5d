# Copyright (c) procd_mm authors. All rights reserved.
"""Where a zoo table's runs live: the planned runs, their work dirs, and the copies of their
records published next to the table.

A run (task, method, seed) trains in ``<work dir>/<task>/<method>/seed<seed>`` (val-split
runs in ``<work dir>/val/...``) and is published to
``<folder of the doc>/<runs_subdir>/<task>/<method>/seed<seed>``.
"""
import os.path as osp
from typing import List, Optional, Tuple

from .catalogue import METHODS, ROOT, STAGE1_OF, config_path
from .options import ZooOptions


def plan(opts: ZooOptions) -> List[Tuple[str, str, int]]:
    """Every run of the table that has a config, ``procd-strip`` after its ``procd`` run.

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        list[tuple]: ``(task, method, seed)`` by task, seed and the order of ``METHODS``.
    """
    jobs = []
    for task in opts.tasks:
        for seed in opts.seeds:
            for method in opts.methods:
                # A K ablation exists only where K differs from the task's default K.
                if osp.exists(osp.join(ROOT, config_path(task, method))):
                    jobs.append((task, method, seed))
    order = {m: i for i, m in enumerate(METHODS)}
    return sorted(jobs, key=lambda j: (j[0], j[2], order[j[1]]))


def runs_root(opts: ZooOptions) -> str:
    """Where the runs of this split live: the work dir, or its ``val/`` for val-split runs
    (the pretrainings in the work dir are shared by both).

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        str: The folder.
    """
    return osp.join(opts.work_dir, 'val') if opts.split == 'val' else opts.work_dir


def run_dir(opts: ZooOptions, task: str, method: str, seed: int) -> str:
    """Work dir of one run.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        method (str): The method.
        seed (int): The seed.

    Returns:
        str: The folder.
    """
    return osp.join(runs_root(opts), task, method, f'seed{seed}')


def published_root(opts: ZooOptions) -> str:
    """The folder next to the table that receives its runs' and pretrainings' records.

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        str: The absolute folder.
    """
    return osp.join(osp.dirname(osp.abspath(opts.doc)), opts.runs_subdir)


def published_dir(opts: ZooOptions, task: str, method: str, seed: int) -> str:
    """Where a run's log, config and result are copied next to the table.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        method (str): The method.
        seed (int): The seed.

    Returns:
        str: The folder.
    """
    return osp.join(published_root(opts), task, method, f'seed{seed}')


def result_path(opts: ZooOptions, task: str, method: str, seed: int) -> Optional[str]:
    """The run's ``result.json``: in its work dir, else the copy published next to the table
    (a run finished on another machine counts as finished).

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        method (str): The method.
        seed (int): The seed.

    Returns:
        str, optional: The file; None when the run has neither.
    """
    for folder in (run_dir(opts, task, method, seed), published_dir(opts, task, method, seed)):
        if osp.exists(osp.join(folder, 'result.json')):
            return osp.join(folder, 'result.json')
    return None


def final_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint MMEngine's ``last_checkpoint`` marker names in ``work_dir``.

    Args:
        work_dir (str): A run's work dir.

    Returns:
        str, optional: The checkpoint; None without a marker or when its file is gone.
    """
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(marker):
        with open(marker) as f:
            path = f.read().strip()
        if osp.exists(path):
            return path
    return None


def stage1_dir(opts: ZooOptions, task: str, method: str, seed: int) -> str:
    """Where a two-stage method's first stage runs: its own run's ``stage1/``, or, for a
    method of ``STAGE1_OF``, the one of the method it shares it with.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        method (str): A key of ``STAGE1``.
        seed (int): The seed.

    Returns:
        str: The folder.
    """
    return osp.join(run_dir(opts, task, STAGE1_OF.get(method, method), seed), 'stage1')
