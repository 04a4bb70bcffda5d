# Copyright (c) procd_mm authors. All rights reserved.
"""Parameters and FLOPs of an exported student (or any mmdet/mmseg model config).

Usage::

    python tools/analysis/get_flops.py CONFIG [--shape H W] [--cfg-options k=v ...]

``CONFIG`` is a student config written by ``tools/convert_student.py`` (with or without the
augmentation neck). A ProC-KD distiller config is accepted too: its student is exported in
memory, and both variants are counted. Counted by MMEngine's
``get_model_complexity_info`` on ``model._forward`` (backbone, necks and heads; no
post-processing) for one image of ``--shape``; weights are random. What the counter warns
about (operators it does not count, modules it did not see called) is printed below the
table.
"""
import argparse
import copy
import os.path as osp
from typing import List, Optional

import torch
from mmengine.config import Config, DictAction

from procd_mm.apis import build_model
from procd_mm.apis.export import export_student
from procd_mm.utils import captured_warnings, register_all_modules
from procd_mm.utils.offline import strip_downloads_and_syncbn


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/analysis/get_flops.py``."""
    parser = argparse.ArgumentParser(description='Parameters and FLOPs of a student')
    parser.add_argument('config', help='exported student config (or a distiller config)')
    parser.add_argument('--shape', type=int, nargs=2, default=[800, 1216], metavar=('H', 'W'),
                        help='input image size')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def complexity(model, shape) -> dict:
    """``get_model_complexity_info`` of ``model._forward`` on one (1, 3, H, W) input."""
    from mmengine.analysis import get_model_complexity_info

    class Forward(torch.nn.Module):

        def __init__(self, m) -> None:
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m._forward(x, samples)

    model.eval()
    x = torch.rand(1, 3, *shape)
    samples = None
    from mmdet.models.detectors.base import BaseDetector
    if isinstance(model, BaseDetector):  # two-stage detectors read image shapes from them
        from mmdet.structures import DetDataSample
        sample = DetDataSample()
        shape = tuple(shape)
        sample.set_metainfo(dict(img_shape=shape, ori_shape=shape, pad_shape=shape,
                                 batch_input_shape=shape, scale_factor=(1.0, 1.0)))
        samples = [sample]
    with torch.no_grad():
        info = get_model_complexity_info(Forward(model), inputs=(x, ), show_table=False,
                                         show_arch=False)
    return info


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    from mmengine.registry import init_default_scope
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    strip_downloads_and_syncbn(cfg.model)
    if 'student' in cfg.model:
        cfg.model.teacher_ckpt = None
        distiller = build_model(cfg.model)
        models = {
            'student, aug neck': export_student(copy.deepcopy(distiller), cfg.model.student,
                                                False)[0],
            'student, stripped': export_student(distiller, cfg.model.student, True)[0],
        }
    else:
        models = {osp.basename(args.config): build_model(cfg.model)}
    notes: List[str] = []
    with captured_warnings(notes):  # printed after the table, not inside it
        infos = {name: complexity(model, args.shape) for name, model in models.items()}
    h, w = args.shape
    print(f'input shape: 1 x 3 x {h} x {w}')
    print(f"| {'model':32s} | {'params':>10s} | {'FLOPs':>10s} |")
    print(f"|{'-' * 34}|{'-' * 12}|{'-' * 12}|")
    for name, info in infos.items():
        print(f"| {name:32s} | {info['params_str']:>10s} | {info['flops_str']:>10s} |")
    if notes:
        print('\nthe FLOP counter warned (its counts leave these out):')
        print('\n'.join(f'- {note}' for note in notes))


if __name__ == '__main__':
    main()
