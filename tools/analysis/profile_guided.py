# Copyright (c) procd_mm authors. All rights reserved.
"""Profile ProC-KD train steps (guided pass on) with ``torch.profiler``: where the time goes.

The student's heads are labelled ``heads.student`` and ``heads.guided`` (their forward with
the losses), so the table shows what the guided pass costs next to the student pass. The
models are those ``tools/benchmark.py`` builds (random teacher, no downloads); ``--iters``
profiled steps after ``--warmup``::

    python tools/analysis/profile_guided.py configs/procd_deeplabv3.py --clock cpu --iters 3 \\
        --warmup 2 --batch 2 --img-size 128 128 \\
        --cfg-options model.teacher.arch=deit-tiny model.teacher.img_size=224
"""
import argparse
import os.path as osp
from typing import List, Optional

import torch
from torch.profiler import profile, record_function

from procd_mm.apis import (RunConfigError, add_bench_arguments, build_model,
                           check_bench_arguments, load_bench_config, make_batch, train_step_fn)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/analysis/profile_guided.py``."""
    parser = argparse.ArgumentParser(description='Profile ProC-KD train steps')
    parser.add_argument('config', help='a ProC-KD (distiller) config')
    add_bench_arguments(parser)
    parser.add_argument('--iters', type=int, default=3, help='profiled steps')
    parser.add_argument('--warmup', type=int, default=2, help='steps before profiling')
    parser.add_argument('--rows', type=int, default=25, help='rows of the profiler table')
    args = parser.parse_args(argv)
    check_bench_arguments(parser, args)
    return args


def label_head_passes(distiller) -> None:
    """Label this distiller's two head passes for the profiler, ``heads.student`` and
    ``heads.guided``, by wrapping its adapter's ``losses`` and ``guided_losses`` (this
    instance only). Inside the guided pass the student label is not added again."""
    adapter = distiller.adapter
    losses, guided_losses = adapter.losses, adapter.guided_losses
    in_guided = []

    def student(*args, **kwargs):
        if in_guided:  # guided_losses may call losses: one label per pass
            return losses(*args, **kwargs)
        with record_function('heads.student'):
            return losses(*args, **kwargs)

    def guided(*args, **kwargs):
        in_guided.append(True)
        try:
            with record_function('heads.guided'):
                return guided_losses(*args, **kwargs)
        finally:
            in_guided.pop()

    adapter.losses, adapter.guided_losses = student, guided


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        cfg = load_bench_config(args.config, args.cfg_options, args.img_size)
    except RunConfigError as e:
        raise SystemExit(str(e)) from None
    if args.clock == 'cpu':
        torch.set_num_threads(1)
    distiller = build_model(dict(cfg.model, guided=True), args.device)
    data = make_batch(distiller.student, args.batch, tuple(args.img_size))
    step = train_step_fn(distiller, data, args.device, args.amp)
    for _ in range(args.warmup):
        step()
    label_head_passes(distiller)
    with profile() as prof:
        for _ in range(args.iters):
            step()
    print(f'{osp.basename(args.config)}: {args.iters} profiled ProC-KD train steps (guided on), '
          f'batch {args.batch} x {args.img_size[0]}x{args.img_size[1]}, {args.device}')
    # On CUDA the kernels' time is what the step waits for; on CPU the host time.
    sort_by = 'device_time_total' if args.device == 'cuda' else 'cpu_time_total'
    print(prof.key_averages().table(sort_by=sort_by, row_limit=args.rows))


if __name__ == '__main__':
    main()
