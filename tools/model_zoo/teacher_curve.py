# Copyright (c) procd_mm authors. All rights reserved.
"""The teacher-quality curve: the same distillation with the teacher taken at several
points of its pretraining (random, early, later, final).

Steps, each skipped when its output exists (resumable; :mod:`procd_mm.zoo.teacher_curve`):

1. ProC-Parts (with part masks) in ``--data``;
2. the zoo's teacher pretraining (``configs/zoo/teacher_r18_procd-parts-cls.py``, same
   seed and schedule) with every epoch's weights kept and its val top-1 recorded;
3. every (task, method, teacher point, seed) with the zoo's config and schedule; one JSON
   line each in ``--out``; then a table of mean ± std and the paired gain over the random
   teacher.

Usage::

    python tools/model_zoo/teacher_curve.py --tasks det --methods procd pkd-bb \\
        --points random 1 3 final --seeds 0 1 2
"""
import argparse
import os
from typing import List, Optional

from procd_mm.zoo.benchmarks import PARTS_DATA
from procd_mm.zoo.catalogue import ROOT, TASKS
from procd_mm.zoo.progress import log
from procd_mm.zoo.teacher_curve import (CurveOptions, ensure_data, pretrain_teacher,
                                        run_curve, table)


def main(argv: Optional[List[str]] = None) -> str:
    """Run the curve the command line asks for and print its table.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        str: The markdown table ('' with ``--pretrain-only``).
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', choices=list(TASKS), default=['det'])
    parser.add_argument('--methods', nargs='+', default=['procd', 'pkd-bb'],
                        help='zoo methods with a teacher (configs/zoo/<task>/*_<method>.py)')
    parser.add_argument('--points', nargs='+', default=['random', '1', '3', 'final'],
                        help="teacher points: 'random', an epoch number, or 'final'")
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--data', default=PARTS_DATA)
    parser.add_argument('--work-dir', default='work_dirs/teacher_curve')
    parser.add_argument('--out', default='docs/zoo_runs/teacher_curve.jsonl',
                        help='one JSON line per finished run (appended)')
    parser.add_argument('--iters', type=int, default=None, help='override (pipeline check)')
    parser.add_argument('--teacher-epochs', type=int, default=None,
                        help='override the teacher schedule (pipeline check)')
    parser.add_argument('--pretrain-only', action='store_true',
                        help="pretrain the teacher's points (step 2) and stop")
    args = parser.parse_args(argv)
    opts = CurveOptions(tasks=tuple(args.tasks), methods=tuple(args.methods),
                        points=tuple(args.points), seeds=tuple(args.seeds), data=args.data,
                        work_dir=args.work_dir, out=args.out, iters=args.iters,
                        teacher_epochs=args.teacher_epochs)
    os.chdir(ROOT)
    ensure_data(opts.data)
    points = pretrain_teacher(opts)
    log('teacher points: ' + ', '.join(
        f'epoch {e}: {p["top1"]:.1f}%' for e, p in sorted(points.items(), key=lambda x: int(x[0]))))
    if args.pretrain_only:
        return ''
    out = table(run_curve(opts, points), opts.points)
    print(out)
    return out


if __name__ == '__main__':
    main()
