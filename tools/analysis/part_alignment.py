# Copyright (c) procd_mm authors. All rights reserved.
"""Do a ProC-KD distiller's prototypes align with object parts? Measured on ProC-Parts.

Usage::

    python tools/analysis/part_alignment.py CONFIG CKPT \\
        [--data-root data/procd_parts/scenes] [--split val] [--out result.json] \\
        [--downsample majority|nearest] [--random-assignment] [--batch-size 8] \\
        [--max-images N] [--seed 0] [--device cpu] [--cfg-options k=v ...]

Runs the teacher and the ``PrototypeHead`` on every scene of the split (preprocessed by
the distiller's data preprocessor), and prints a table: NMI (arithmetic-mean normalised)
and purity of the winning prototype against the part id and, for comparison, against the
object class, on object locations; the fg/bg soft purity of the assignment mass; the
number of prototypes used; with a chance row (the same assignments permuted across
locations) and, with ``--random-assignment``, an independent random assignment. The
metrics are defined in :mod:`procd_mm.analysis.part_alignment`. The scenes need part maps
(``part_dir``, written by ``tools/dataset_converters/make_procd_parts.py``).

The teacher is built from the config and loaded from ``model.teacher_ckpt`` (distiller
checkpoints do not hold it). ``CKPT`` is the run's own checkpoint, read as ``tools/test.py``
reads it (full unpickling): pass only checkpoints you trust.
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import DictAction

from procd_mm.analysis import evaluate_checkpoint, format_table
from procd_mm.utils import register_all_modules


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/analysis/part_alignment.py``."""
    parser = argparse.ArgumentParser(description='Part alignment of a distiller\'s prototypes')
    parser.add_argument('config', help='ProC-KD distiller config')
    parser.add_argument('checkpoint', help='distiller checkpoint (the run\'s own)')
    parser.add_argument('--data-root', default='data/procd_parts/scenes',
                        help='ProC-Parts scenes folder (img_dir, ann_dir, part_dir)')
    parser.add_argument('--split', default='val', help='scenes split (train, val, test)')
    parser.add_argument('--out', help='write the result as JSON here')
    parser.add_argument('--downsample', default='majority', choices=('majority', 'nearest'),
                        help='how label and part maps are brought to the assignment grid')
    parser.add_argument('--random-assignment', action='store_true',
                        help='add a row for an independent random assignment over K')
    parser.add_argument('--chance-repeats', type=int, default=5,
                        help='permutations averaged in the chance row')
    parser.add_argument('--batch-size', type=int, default=8, help='images per forward')
    parser.add_argument('--max-images', type=int, help='use only the first N images')
    parser.add_argument('--seed', type=int, default=0, help='seed of the chance rows')
    parser.add_argument('--device', default='cpu', help='torch device, e.g. cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> dict:
    """Print the table, write the JSON if asked; return the result dict."""
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    result = evaluate_checkpoint(
        args.config, args.checkpoint, args.data_root, args.split,
        cfg_options=args.cfg_options, device=args.device, batch_size=args.batch_size,
        downsample=args.downsample, seed=args.seed, chance_repeats=args.chance_repeats,
        random_assignment=args.random_assignment, max_images=args.max_images)
    print(format_table(result))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1, allow_nan=False)
        print(f'written to {args.out}')
    return result


if __name__ == '__main__':
    main()
