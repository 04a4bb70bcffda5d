# Copyright (c) procd_mm authors. All rights reserved.
"""The headline table of ``docs/plans/headline.md``: the realistic regime, ten paired seeds.

Reads the test-split runs of the ``pt-*`` rows on every benchmark and task (their work dirs,
or the records published next to each benchmark's table), picks each cell's strongest peer
by the plan's rule, and prints and writes one table (:mod:`procd_mm.zoo.headline`)::

    python tools/model_zoo/headline.py            # writes docs/model_zoo_headline.md
"""
import argparse
import os
import sys
from typing import List, Optional

from procd_mm.zoo.benchmarks import BENCHMARKS
from procd_mm.zoo.catalogue import ROOT
from procd_mm.zoo.headline import BENCHMARK_KEYS, page
from procd_mm.zoo.markdown import write_markdown


def main(argv: Optional[List[str]] = None) -> int:
    """Write the headline table.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        int: The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--benchmarks', nargs='+', default=list(BENCHMARK_KEYS),
                        choices=list(BENCHMARKS))
    parser.add_argument('--out', default='docs/model_zoo_headline.md',
                        help="the markdown file to write ('' prints only)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    write_markdown(page(args.benchmarks), args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
