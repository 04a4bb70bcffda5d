# Copyright (c) procd_mm authors. All rights reserved.
"""Run the model zoo (methods x seeds x tasks) on one benchmark; write its table and metafiles.

Steps, each skipped when its output exists (so the script is resumable; an interrupted run
resumes from its last checkpoint):

1. generate the benchmark (``--benchmark``; ProC-Parts by default,
   ``tools/dataset_converters/make_procd_parts.py``; ``procd_mm.zoo.benchmarks`` lists the
   others);
2. pretrain the ResNet-18 teacher on its classification split
   (``configs/zoo/teacher_r18_procd-parts-cls.py``) and the other pretrainings the planned
   runs load;
3. train and test every (task, method, seed) with MMEngine's Runner; ``procd-strip``
   re-tests the ``procd`` checkpoint with the augmentation neck's gates set to zero (the
   neck is then the identity, as if stripped);
4. write ``docs/model_zoo.md`` (mean +- std over seeds), ``metafile.yml`` and
   ``model-index.yml``, and copy each run's log and config next to the table.

Usage::

    python tools/model_zoo/run_zoo.py                    # full table, seeds 0 1 2, det + seg
    python tools/model_zoo/run_zoo.py --quick            # pipeline check: a few iterations
    python tools/model_zoo/run_zoo.py --tasks det --methods plain procd --seeds 0

``--quick`` writes to ``work_dirs/zoo_quick`` and ``docs/model_zoo_quick.md`` unless told
otherwise, and labels its numbers as a pipeline check, never as results. The logic is in
:mod:`procd_mm.zoo` (:func:`procd_mm.zoo.table.run_table`).
"""
import argparse
import dataclasses
import json
import sys
from typing import List, Optional

from procd_mm.zoo.benchmarks import BENCHMARKS
from procd_mm.zoo.catalogue import METHODS, QUICK_ITERS, TASKS
from procd_mm.zoo.layout import plan
from procd_mm.zoo.options import ZooOptions
from procd_mm.zoo.table import run_table


def build_parser() -> argparse.ArgumentParser:
    """The command line (the fields of :class:`~procd_mm.zoo.options.ZooOptions`).

    Returns:
        argparse.ArgumentParser: The parser.
    """
    parser = argparse.ArgumentParser(description='Run the model zoo on one benchmark.')
    parser.add_argument('--quick', action='store_true',
                        help=f'pipeline check: {QUICK_ITERS} iterations, reduced data, one seed')
    parser.add_argument('--seeds', type=int, nargs='+', default=None,
                        help='seeds (default 0 1 2; 0 with --quick)')
    parser.add_argument('--tasks', nargs='+', choices=list(TASKS), default=list(TASKS))
    parser.add_argument('--methods', nargs='+', choices=list(METHODS), default=list(METHODS))
    parser.add_argument('--split', choices=['test', 'val'], default='test',
                        help='the split scored: test (the tables) or val (choosing defaults, '
                        'docs/plans/one_recipe.md; its own table, runs and metafiles)')
    parser.add_argument('--iters', type=int, default=None,
                        help='override the training iterations of every run')
    parser.add_argument('--benchmark', choices=list(BENCHMARKS), default='procd-parts',
                        help='which benchmark (its generator, data folder and table)')
    parser.add_argument('--data', default=None,
                        help="the benchmark's folder (generated when missing)")
    parser.add_argument('--work-dir', default=None, help='where runs are kept')
    parser.add_argument('--doc', default=None, help='the markdown table to write')
    parser.add_argument('--metafile', default=None)
    parser.add_argument('--model-index', default=None)
    parser.add_argument('--runs-subdir', default=None,
                        help='folder (next to --doc) receiving each run\'s log and config')
    parser.add_argument('--notes', default=None,
                        help='a markdown file appended to the table (findings, caveats)')
    parser.add_argument('--max-minutes', type=float, default=None,
                        help='start no new run after this many minutes (table still written)')
    parser.add_argument('--pretrain-only', action='store_true',
                        help='run (or check) the pretrainings the planned runs need, and stop: '
                        'how a split size is fixed on the pretrainings alone')
    parser.add_argument('--subprocess', action='store_true',
                        help='run each training in its own process (default without --quick)')
    parser.add_argument('--allow-dirty', action='store_true',
                        help='run although procd_mm/, configs/ or tools/ differ from the '
                        "commit (records say '<commit>-dirty'); refused otherwise")
    parser.add_argument('--dry-run', action='store_true',
                        help='print the options (JSON) and the planned runs, and stop')
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the table the command line asks for.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        int: The exit status.
    """
    argv = sys.argv[1:] if argv is None else argv
    args = vars(build_parser().parse_args(argv))
    dry_run = args.pop('dry_run')
    opts = ZooOptions.create(**args, argv=tuple(argv))
    if dry_run:
        print(json.dumps(dataclasses.asdict(opts)))
        print('\n'.join(f'{task}/{method}/seed{seed}' for task, method, seed in plan(opts)))
        return 0
    return run_table(opts)


if __name__ == '__main__':
    sys.exit(main())
