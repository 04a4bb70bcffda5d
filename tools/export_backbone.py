# Copyright (c) procd_mm authors. All rights reserved.
"""Export the student backbone of a checkpoint as a pretrained-backbone file.

Usage::

    python tools/export_backbone.py CHECKPOINT OUT_FILE [--source PREFIX]

``CHECKPOINT`` is a distillation-pretraining run's checkpoint (``backbone.*`` keys), or a
distiller's (``student.backbone.*``), or a plain mmdet/mmseg/mmpretrain model's. The file
written holds ``state_dict`` (``backbone.*`` keys only) and ``meta`` (the source and its
sha256), and loads into the stock student config with::

    model = dict(backbone=dict(init_cfg=dict(
        type='Pretrained', checkpoint=OUT_FILE, prefix='backbone.')))

A pretraining run writes this file itself at its end (``BackboneExportHook``). The
checkpoint is read with full unpickling (as resuming does): export only files you trust.
The logic is :func:`procd_mm.apis.backbone_export.export_backbone`.
"""
import argparse
from typing import List, Optional

from procd_mm.apis.backbone_export import export_backbone, init_cfg_line


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/export_backbone.py``."""
    parser = argparse.ArgumentParser(description='Export a pretrained student backbone')
    parser.add_argument('checkpoint', help='a training run checkpoint')
    parser.add_argument('out_file', help='the backbone checkpoint to write')
    parser.add_argument('--source', help="the backbone's key prefix in CHECKPOINT "
                        "(default: 'backbone.' or 'student.backbone.', whichever is there)")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        digest = export_backbone(args.checkpoint, args.out_file, args.source)
    except (FileNotFoundError, KeyError) as e:
        raise SystemExit(f'export_backbone.py: {e}') from None
    print(f'backbone: {args.out_file} (sha256 {digest[:12]})\nload it with: '
          f'{init_cfg_line(args.out_file)}')


if __name__ == '__main__':
    main()
