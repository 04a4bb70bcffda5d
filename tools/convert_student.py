# Copyright (c) procd_mm authors. All rights reserved.
"""Export the student of a ProC-KD checkpoint as a plain mmdet/mmseg model.

Usage::

    python tools/convert_student.py CONFIG CHECKPOINT OUT_DIR [--strip-aug]
        [--cfg-options k=v ...]

Writes ``OUT_DIR/<config name>_student.pth`` (``state_dict`` of the student and ``meta``,
loadable with ``torch.load(weights_only=True)``) and ``OUT_DIR/<config name>_student.py``
(the student's config with the rest of the original config: data, evaluators, schedules;
no teacher, no ProC-KD runner, no ``work_dir``).

- Default: the augmentation neck, with the prototypes it holds, is kept. The student's
  neck becomes ``[<its neck>, <ProtoAugNeck config>]`` (keys ``neck.0.*``/``neck.1.*``),
  or the ProtoAugNeck alone for a segmentor without neck (keys ``neck.*``). The config
  needs only ``custom_imports=dict(imports=['procd_mm.models'])``.
- ``--strip-aug``: the augmentation neck and its keys are dropped; the result loads in
  stock mmdet/mmseg without procd_mm.

The distiller is built to read the checkpoint, with the teacher's weights left random:
nothing is downloaded and the teacher is not exported. ``CHECKPOINT`` is a training run's
own checkpoint and is read with full unpickling (as resuming does): convert only
checkpoints you trust. The logic is :func:`procd_mm.apis.export.convert_student`.
"""
import argparse
from typing import List, Optional

from mmengine.config import DictAction

from procd_mm.apis.export import convert_student


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/convert_student.py``."""
    parser = argparse.ArgumentParser(description='Export the student of a ProC-KD checkpoint')
    parser.add_argument('config', help='the ProC-KD (distiller) config')
    parser.add_argument('checkpoint', help='a checkpoint of that config')
    parser.add_argument('out_dir', help='where the student checkpoint and config go')
    parser.add_argument(
        '--strip-aug',
        action='store_true',
        help='drop the augmentation neck (loads in stock mmdet/mmseg without procd_mm)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, help='override settings in the config')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        ckpt_path, cfg_path = convert_student(args.config, args.checkpoint, args.out_dir,
                                              args.strip_aug, args.cfg_options)
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f'convert_student.py: {e}') from None
    print(f'student checkpoint: {ckpt_path}\nstudent config: {cfg_path}')


if __name__ == '__main__':
    main()
