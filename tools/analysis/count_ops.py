# Copyright (c) procd_mm authors. All rights reserved.
"""Count the aten operators one train step dispatches: plain student, ProC-KD with the
guided pass off and on (teacher included).

On a GPU at detection sizes a step waits for the host to launch operators, so their
number, not their FLOPs, predicts the step time there (``docs/benchmark.md``). Counted
on CPU with ``torch.profiler`` at a tiny input; same arguments as ``tools/benchmark.py``::

    python tools/analysis/count_ops.py configs/procd_faster-rcnn.py --img-size 32 48 \\
        --cfg-options model.teacher.arch=deit-tiny model.teacher.img_size=224
"""
import os.path as osp
import sys
from typing import List, Optional

import torch
from torch.profiler import profile

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import benchmark  # noqa: E402


def count_aten_ops(step) -> int:
    """aten operators (nested ones included) dispatched by one call of ``step``."""
    with profile() as prof:
        step()
    return sum(1 for e in prof.events() if e.name.startswith('aten::'))


def main(argv: Optional[List[str]] = None) -> None:
    args = benchmark.parse_args(argv)
    if args.device != 'cpu':
        raise SystemExit('count_ops.py counts on CPU (--device cpu)')
    import procd_mm.models  # noqa: F401
    from mmengine.registry import init_default_scope
    cfg = benchmark.load_model_cfg(args)
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    torch.set_num_threads(1)
    bench = benchmark.Bench('cpu', False, 'cpu')
    plain = benchmark.build(cfg.model.student, 'cpu')
    data = benchmark.make_batch(plain, args.batch, tuple(args.img_size))
    models = [('plain student', plain),
              ('ProC-KD, guided off', benchmark.build(dict(cfg.model, guided=False), 'cpu')),
              ('ProC-KD, guided on', benchmark.build(dict(cfg.model, guided=True), 'cpu'))]
    print(f'{osp.basename(args.config)}: aten operators per train step, batch {args.batch} '
          f'x {args.img_size[0]}x{args.img_size[1]}')
    print(f"| {'run':22s} | {'aten ops':>8s} | {'ratio':>5s} |")
    print('|' + '|'.join('-' * (n + 2) for n in (22, 8, 5)) + '|')
    base = None
    for name, model in models:
        step = benchmark.train_step_fn(model, data, bench)
        for _ in range(2):  # warm-up: lazy initialisation dispatches extra operators
            step()
        n = count_aten_ops(step)
        base = base or n
        print(f'| {name:22s} | {n:8d} | {n / base:5.2f} |')


if __name__ == '__main__':
    main()
