# Copyright (c) procd_mm authors. All rights reserved.
"""Write ProC-Parts: a small, deterministic cross-task dataset built from shared object parts.

The generator is :mod:`procd_mm.datasets.procd_parts` (what the dataset holds and how it is
drawn); this is its command line.

Usage::

    python tools/dataset_converters/make_procd_parts.py --out data/procd_parts [--seed 0]

Nothing is downloaded; the same seed writes byte-identical files.
"""
from typing import List, Optional

from procd_mm.datasets.procd_parts import COUNTS, write_dataset
from procd_mm.datasets.synthetic_writer import generator_parser, write_and_report


def main(argv: Optional[List[str]] = None) -> dict:
    """Write the dataset as the command line asks and print a one-line summary.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        dict: The metadata written to ``meta.json``.
    """
    args = generator_parser(__doc__.split('\n')[0], 'data/procd_parts', COUNTS).parse_args(argv)
    return write_and_report(write_dataset, args.out, args.seed,
                            {key: getattr(args, key) for key in COUNTS})


if __name__ == '__main__':
    main()
