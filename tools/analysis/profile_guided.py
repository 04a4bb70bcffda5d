# Copyright (c) procd_mm authors. All rights reserved.
"""Profile ProC-KD train steps (guided pass on) with ``torch.profiler``: where the time goes.

The student's heads are labelled ``heads.student`` and ``heads.guided`` (their forward with
the losses), so the table shows what the guided pass costs next to the student pass, or
``heads.joint`` where both passes run as one batch (``model.joint_heads``). Same
arguments as ``tools/benchmark.py`` (``--iters`` profiled steps after ``--warmup``)::

    python tools/analysis/profile_guided.py configs/procd_deeplabv3.py --clock cpu --iters 3 \\
        --warmup 2 --batch 2 --img-size 128 128 \\
        --cfg-options model.teacher.arch=deit-tiny model.teacher.img_size=224
"""
import os.path as osp
import sys
from typing import List, Optional

import torch
from torch.profiler import profile, record_function

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import benchmark  # noqa: E402


def label_head_passes(distiller) -> None:
    """Wrap the heads' passes in ``record_function`` labels: ``heads.student`` and
    ``heads.guided``, or ``heads.joint`` where both run as one batch."""
    from procd_mm.models.distillers import procd_distiller
    adapter = distiller.adapter
    original = adapter.head_losses
    joint = procd_distiller.joint_head_losses

    def labelled(*args, **kwargs):
        with record_function('heads.guided' if kwargs.get('guided') else 'heads.student'):
            return original(*args, **kwargs)

    def labelled_joint(*args, **kwargs):
        with record_function('heads.joint'):
            return joint(*args, **kwargs)

    adapter.head_losses = labelled
    procd_distiller.joint_head_losses = labelled_joint  # this process profiles one model


def main(argv: Optional[List[str]] = None) -> None:
    args = benchmark.parse_args(argv, extra=[(('--rows', ), dict(
        type=int, default=25, help='rows of the profiler table'))])
    if args.clock == 'cpu':
        torch.set_num_threads(1)
    cfg = benchmark.load_model_cfg(args)
    import procd_mm.models  # noqa: F401
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    distiller = benchmark.build(cfg.model, args.device)
    data = benchmark.make_batch(distiller.student, args.batch, tuple(args.img_size))
    step = benchmark.train_step_fn(distiller, data, benchmark.Bench(args.device, args.amp,
                                                                    args.clock))
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
