# Copyright (c) procd_mm authors. All rights reserved.
"""Pictures of what the prototypes capture, for a trained ProC-KD distiller.

Usage::

    python tools/analysis/visualize_prototypes.py CONFIG CKPT IMAGE [IMAGE ...] \\
        [--out-dir DIR] [--img-size N] [--topk N] [--patch-size N] [--student-level L] \\
        [--cfg-options k=v ...]

For every image it writes ``DIR/{image stem}_assignment.png``: under panel titles, the
image, then the teacher's (``PrototypeHead`` soft assignment) and the student's
(``ProtoAugNeck`` attention on augmented level ``L``) winning prototype at each location,
one colour per prototype, blended over the image; below them a legend of the prototypes
that appear. Over all images it writes ``DIR/prototype_patches.png``: one row per prototype
(its colour and index first) with its ``topk`` most strongly assigned image patches.

The teacher is built from the config and loaded from ``model.teacher_ckpt`` (distiller
checkpoints do not hold it). ``CKPT`` is the run's own checkpoint, read as ``tools/test.py``
reads it (full unpickling): pass only checkpoints you trust.
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

import mmcv
import numpy as np
import torch
from mmengine.config import Config, DictAction

from procd_mm.analysis import load_trained_distiller
from procd_mm.utils import register_all_modules
from procd_mm.visualization import (assignment_picture, label_map, prototype_assignments,
                                    prototype_palette, top_patches)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/analysis/visualize_prototypes.py``."""
    parser = argparse.ArgumentParser(description='Draw prototype assignments of a distiller')
    parser.add_argument('config', help='ProC-KD distiller config')
    parser.add_argument('checkpoint', help='distiller checkpoint (the run\'s own)')
    parser.add_argument('images', nargs='+', help='image files')
    parser.add_argument('--out-dir', default='prototype_vis', help='where the PNGs go')
    parser.add_argument('--img-size', type=int, default=512,
                        help='longer image side fed to the model (keeps the aspect ratio)')
    parser.add_argument('--topk', type=int, default=8, help='patches per prototype')
    parser.add_argument('--patch-size', type=int, default=48, help='side of a patch, pixels')
    parser.add_argument('--student-level', type=int, default=0,
                        help='augmented student level shown (0 = finest)')
    parser.add_argument('--alpha', type=float, default=0.5, help='colour weight')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def load_image(path: str, img_size: int) -> np.ndarray:
    """Read ``path`` as BGR (like ``LoadImageFromFile``), longer side rescaled to
    ``img_size``."""
    img = mmcv.imread(path)
    if img is None:
        raise FileNotFoundError(f'IMAGE {path!r} could not be read')
    return mmcv.imrescale(img, (img_size, img_size))


def main(argv: Optional[List[str]] = None) -> List[str]:
    """Write the pictures; return the written paths."""
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    model = load_trained_distiller(cfg, args.checkpoint, args.cfg_options)
    os.makedirs(args.out_dir, exist_ok=True)
    palette = prototype_palette(len(model.aug_neck.prototypes))
    written, images, assignments, pads = [], [], [], []
    for path in args.images:
        img = load_image(path, args.img_size)
        tensor = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
        inputs = model.data_preprocessor(dict(inputs=[tensor], data_samples=None),
                                         False)['inputs']
        teacher, student = prototype_assignments(model, inputs, args.student_level)
        rgb = np.ascontiguousarray(img[..., ::-1])
        pad, shape = tuple(inputs.shape[-2:]), rgb.shape[:2]
        picture = assignment_picture(rgb, label_map(teacher[0], pad, shape),
                                     label_map(student[0], pad, shape), palette, args.alpha,
                                     args.student_level)
        out = osp.join(args.out_dir, f'{osp.splitext(osp.basename(path))[0]}_assignment.png')
        mmcv.imwrite(picture[..., ::-1], out)  # imwrite takes BGR
        written.append(out)
        images.append(rgb)
        assignments.append(teacher[0])
        pads.append(pad)
    grid = top_patches(images, assignments, pads, palette, topk=args.topk,
                       patch_size=args.patch_size)
    out = osp.join(args.out_dir, 'prototype_patches.png')
    mmcv.imwrite(grid[..., ::-1], out)
    written.append(out)
    for path in written:
        print(path)
    return written


if __name__ == '__main__':
    main()
