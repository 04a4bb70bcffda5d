# Copyright (c) procd_mm authors. All rights reserved.
"""Choose ProC-KD's zoo defaults on the val splits of every benchmark together, by the rule
that ``docs/plans/one_recipe.md`` fixed before its runs.

Reads the val-split runs of ``run_zoo.py --split val`` (their work dirs, or the records
published next to each benchmark's val table), and prints and writes one table per task:
each candidate's paired val gain over the plain student on each benchmark (mean ± standard
error over the seeds both have), its score (the smallest of those gains: the benchmark where
it helps least) and the choice. The plan's runs were made at 435def0, whose segmentation
``procd`` config has a logit KL and whose ``procd-nokl`` config (the one chosen, the zoo's
``procd`` config today) is the same without it; running them again needs a checkout of
435def0::

    python tools/model_zoo/run_zoo.py --split val --benchmark procd-parts \\
        --tasks det seg --methods plain procd procd-aug procd-k32 procd-nokl
    python tools/model_zoo/run_zoo.py --split val --benchmark procd-shapes \\
        --tasks det seg --methods plain procd procd-aug procd-k32 procd-nokl

Their records are published next to the val tables, so at any commit this tool gives the
plan's table from them::

    python tools/model_zoo/select_recipe.py
"""
import argparse
import os
import sys
from typing import List, Optional

from procd_mm.zoo.benchmarks import BENCHMARKS
from procd_mm.zoo.catalogue import ROOT
from procd_mm.zoo.markdown import write_markdown
from procd_mm.zoo.recipe import BENCHMARK_KEYS, SEEDS, page


def main(argv: Optional[List[str]] = None) -> int:
    """Write the val-split choice (:mod:`procd_mm.zoo.recipe`).

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        int: The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--benchmarks', nargs='+', default=list(BENCHMARK_KEYS),
                        choices=list(BENCHMARKS))
    parser.add_argument('--seeds', type=int, nargs='+', default=list(SEEDS))
    parser.add_argument('--out', default='docs/plans/one_recipe_results.md')
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    write_markdown(page(args.benchmarks, args.seeds), args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
