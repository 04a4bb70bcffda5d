# Copyright (c) procd_mm authors. All rights reserved.
"""Count the aten operators one train step dispatches: plain student, ProC-KD with the
guided pass off and on (teacher included).

On a GPU at detection sizes a step waits for the host to launch operators, so their
number, not their FLOPs, predicts the step time there (``docs/benchmark.md``). Counted
on CPU with ``torch.profiler`` at a tiny input, with the models ``tools/benchmark.py``
builds (random teacher, no downloads)::

    python tools/analysis/count_ops.py configs/procd_faster-rcnn.py --img-size 32 48 \\
        --cfg-options model.teacher.arch=deit-tiny model.teacher.img_size=224
"""
import argparse
import os.path as osp
from typing import Callable, List, Optional

import torch
from mmengine.config import DictAction
from torch.profiler import profile

from procd_mm.apis import (RunConfigError, build_model, load_bench_config, make_batch,
                           train_step_fn)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/analysis/count_ops.py``."""
    parser = argparse.ArgumentParser(description='aten operators per ProC-KD train step')
    parser.add_argument('config', help='a ProC-KD (distiller) config')
    parser.add_argument('--img-size', type=int, nargs=2, default=[128, 128],
                        metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def count_aten_ops(step: Callable[[], None]) -> int:
    """aten operators (nested ones included) dispatched by one call of ``step``."""
    with profile() as prof:
        step()
    return sum(1 for e in prof.events() if e.name.startswith('aten::'))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        cfg = load_bench_config(args.config, args.cfg_options, args.img_size)
    except RunConfigError as e:
        raise SystemExit(str(e)) from None
    torch.set_num_threads(1)
    plain = build_model(cfg.model.student)
    data = make_batch(plain, args.batch, tuple(args.img_size))
    models = [('plain student', plain),
              ('ProC-KD, guided off', build_model(dict(cfg.model, guided=False))),
              ('ProC-KD, guided on', build_model(dict(cfg.model, guided=True)))]
    print(f'{osp.basename(args.config)}: aten operators per train step, batch {args.batch} '
          f'x {args.img_size[0]}x{args.img_size[1]}')
    print(f"| {'run':22s} | {'aten ops':>8s} | {'ratio':>5s} |")
    print('|' + '|'.join('-' * (n + 2) for n in (22, 8, 5)) + '|')
    base = None
    for name, model in models:
        step = train_step_fn(model, data)
        for _ in range(2):  # warm-up: lazy initialisation dispatches extra operators
            step()
        n = count_aten_ops(step)
        base = base or n
        print(f'| {name:22s} | {n:8d} | {n / base:5.2f} |')


if __name__ == '__main__':
    main()
