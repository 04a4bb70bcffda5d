# Copyright (c) procd_mm authors. All rights reserved.
"""Run a zoo table (methods x seeds x tasks on one benchmark) and write it.

Steps, each skipped when its output exists (so a table is resumable; an interrupted run
resumes from its last checkpoint): generate the benchmark; pretrain what the planned runs
load, just before the first run that trains (a table-only call costs no pretraining); train
and test every planned run; write the table and the metafiles.
"""
import json
import os
import os.path as osp
import subprocess
import time
from typing import List

from .benchmarks import BENCHMARKS, generate_benchmark
from .catalogue import QUICK_COUNTS, ROOT, config_path
from .layout import plan, result_path, run_dir
from .metafile import write_metafiles
from .options import ZooOptions
from .pretraining import needed_pretraining, pretrain, pretrained_path
from .provenance import run_code_version
from .progress import log
from .records import collect
from .reports import write_table
from .runs import child_command, run_one


def ensure_data(opts: ZooOptions) -> None:
    """Generate the benchmark into ``opts.data`` unless it is there.

    Args:
        opts (ZooOptions): The table's options.
    """
    if osp.exists(osp.join(opts.data, 'meta.json')):
        log(f'data: {opts.data} exists, skipped')
        return
    log(f'data: generating {BENCHMARKS[opts.benchmark]["name"]} in {opts.data}')
    generate_benchmark(opts.benchmark, opts.data, counts=QUICK_COUNTS if opts.quick else None)


def run_table(opts: ZooOptions) -> int:
    """Run what the table still needs and write it (or only pretrain, ``pretrain_only``).

    Works in the checkout (:data:`~procd_mm.zoo.catalogue.ROOT`): relative paths in
    ``opts`` are relative to it.

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        int: 0, or the exit status of a run that failed in its own process.
    """
    os.chdir(ROOT)
    t_start = time.time()
    ensure_data(opts)
    if opts.pretrain_only:
        for name in needed_pretraining(opts):
            pretrain(opts, name)
            with open(osp.join(opts.work_dir, name, 'teacher.json')) as f:
                info = json.load(f)
            split = info.get('split') or "the benchmark's own"
            log(f'{name}: val top-1 {info.get("accuracy", float("nan")):.1f}% (split {split})')
        return 0
    teacher_ckpt = None
    jobs = plan(opts)
    done_times: List[float] = []
    for i, (task, method, seed) in enumerate(jobs, 1):
        name = f'{task}/{method}/seed{seed}'
        done = result_path(opts, task, method, seed)
        if done:
            with open(done) as f:
                res = json.load(f)
            log(f'[{i}/{len(jobs)}] {name}: done before ({res["metric_name"]} {res["metric"]:.2f})'
                ', skipped')
            continue
        if opts.max_minutes is not None and time.time() - t_start > 60 * opts.max_minutes:
            log(f'[{i}/{len(jobs)}] {name}: --max-minutes {opts.max_minutes} reached, not '
                'started; the table is written with what finished')
            break
        if teacher_ckpt is None:
            run_code_version(opts)  # a changed checkout is refused before pretraining
            for pre in needed_pretraining(opts):
                pretrain(opts, pre)
            teacher_ckpt = pretrained_path(opts, 'teacher')
        left = len(jobs) - i + 1
        eta = f', ETA {left * sum(done_times) / len(done_times) / 60:.0f} min' \
            if done_times else ''
        log(f'[{i}/{len(jobs)}] {name}: running ({config_path(task, method)}{eta})')
        t0 = time.time()
        if opts.subprocess or not opts.quick:
            proc = subprocess.run(child_command(opts, task, method, seed), cwd=ROOT)
            if proc.returncode != 0:
                log(f'[{i}/{len(jobs)}] {name}: FAILED (exit {proc.returncode}); rerun to resume')
                return proc.returncode
            with open(osp.join(run_dir(opts, task, method, seed), 'result.json')) as f:
                res = json.load(f)
        else:
            res = run_one(opts, task, method, seed, teacher_ckpt)
        done_times.append(time.time() - t0)
        log(f'[{i}/{len(jobs)}] {name}: {res["metric_name"]} {res["metric"]:.2f} '
            f'in {done_times[-1]:.0f}s')
    results = collect(opts)
    write_table(opts, results, time.time() - t_start)
    write_metafiles(opts, results)
    log(f'table written to {opts.doc} ({len(results)} runs; '
        f'{(time.time() - t_start) / 60:.1f} min)')
    return 0
