# Copyright (c) procd_mm authors. All rights reserved.
"""Export the student of a ProC-KD checkpoint as a plain mmdet/mmseg model.

Usage::

    python tools/convert_student.py CONFIG CHECKPOINT OUT_DIR [--strip-aug]
        [--cfg-options k=v ...]

Writes ``OUT_DIR/<config name>_student.pth`` (``state_dict`` of the student and ``meta``,
loadable with ``torch.load(weights_only=True)``) and ``OUT_DIR/<config name>_student.py``
(the student's config with the rest of the original config: data, evaluators, schedules;
no teacher, no ProC-KD runner).

- Default: the augmentation neck is kept. The student's neck becomes
  ``[<its neck>, <ProtoAugNeck config>]`` (keys ``neck.0.*``/``neck.1.*``), or the
  ProtoAugNeck alone for a segmentor without neck (keys ``neck.*``); the neck's prototype
  buffer is refreshed from ``proto_head.prototypes`` as the distiller's ``predict`` does.
  The config needs only ``custom_imports=dict(imports=['procd_mm.models'])``.
- ``--strip-aug``: the augmentation neck and its keys are dropped; the result loads in
  stock mmdet/mmseg without procd_mm.

The distiller is built to read the checkpoint, with the teacher's weights left random
(``teacher_ckpt=None``): nothing is downloaded and the teacher is not exported.
``CHECKPOINT`` is a training run's own checkpoint and is read with full unpickling (as
resuming does): convert only checkpoints you trust.
"""
import argparse
import copy
import os
import os.path as osp
from typing import List, Optional, Tuple

import torch
from mmengine.config import Config, ConfigDict, DictAction

# Top-level keys that procd_mm's configs add for the teacher and the distiller.
PROCD_KEYS = ('teacher', 'teacher_ckpt', 'teacher_input', 'procd', 'runner_type')


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


def _is_aug(cfg) -> bool:
    return isinstance(cfg, dict) and str(cfg.get('type', '')).endswith('ProtoAugNeck')


def split_neck_cfg(neck_cfg):
    """The student's neck config before the augmentation neck (None, a dict or a list)."""
    if neck_cfg is None or _is_aug(neck_cfg):
        return None
    if isinstance(neck_cfg, (list, tuple)) and neck_cfg and _is_aug(neck_cfg[-1]):
        pre = list(neck_cfg[:-1])
        return pre[0] if len(pre) == 1 else (pre or None)
    return neck_cfg


def build_distiller(cfg: Config):
    """Build ``cfg.model`` (a ProC-KD distiller) with a random teacher, on CPU."""
    from mmengine.registry import init_default_scope
    import procd_mm.models  # noqa: F401
    from procd_mm.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    model_cfg = copy.deepcopy(cfg.model)
    if 'student' not in model_cfg or 'teacher' not in model_cfg:
        raise SystemExit(f'{cfg.filename}: model is not a distiller (needs model.student and '
                         'model.teacher); a plain student needs no conversion')
    model_cfg.teacher_ckpt = None
    model = MODELS.build(model_cfg)
    if not hasattr(model, 'aug_neck'):
        raise SystemExit(f'{model_cfg.type} has no augmentation neck to export; use the '
                         "checkpoint's student.* keys directly")
    return model


def load_distiller_state(model, checkpoint: str) -> dict:
    """Load the checkpoint into ``model`` (strictly) and return its ``meta``."""
    from procd_mm.utils import load_local_checkpoint
    if not osp.isfile(checkpoint):
        raise SystemExit(f'checkpoint {checkpoint!r} does not exist')
    ckpt = load_local_checkpoint(checkpoint, map_location='cpu', trusted=True)
    state = ckpt.get('state_dict', ckpt)
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f'{checkpoint} does not match the config\'s model: missing keys '
                         f'{missing[:5]}, unexpected keys {unexpected[:5]}')
    return ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}


def export_student(model, student_cfg: ConfigDict,
                   strip_aug: bool) -> Tuple[torch.nn.Module, ConfigDict]:
    """The student module and its config, with the augmentation neck kept or removed.

    Args:
        model: The distiller, with its checkpoint loaded.
        student_cfg (ConfigDict): ``cfg.model.student``.
        strip_aug (bool): Remove the augmentation neck.

    Returns:
        tuple: The student (the distiller's own module, changed in place when stripped)
        and its config.
    """
    student = model.student
    student_cfg = copy.deepcopy(student_cfg)
    model.aug_neck.update_prototypes(model.proto_head.prototypes)
    pre = split_neck_cfg(student_cfg.get('neck', None))
    pre_list = [] if pre is None else (list(pre) if isinstance(pre, (list, tuple)) else [pre])
    if not strip_aug:
        aug_cfg = ConfigDict(model.aug_neck.config())
        student_cfg.neck = [*pre_list, aug_cfg] if pre_list else aug_cfg
        return student, student_cfg
    neck = student.neck
    if not pre_list:
        del student.neck
        student.neck = None
        student_cfg.pop('neck', None)
    elif len(pre_list) == 1:
        student.neck = neck[0]
        student_cfg.neck = pre_list[0]
    else:
        student.neck = neck[:-1]
        student_cfg.neck = pre_list
    return student, student_cfg


def export_cfg(cfg: Config, student_cfg: ConfigDict, strip_aug: bool) -> Config:
    """The original config with the student as the model and procd_mm's parts removed."""
    out = copy.deepcopy(cfg)
    out.model = student_cfg
    for key in PROCD_KEYS:
        out.pop(key, None)
    hooks = [h for h in out.get('custom_hooks', None) or []
             if not str(h.get('type', '')).startswith('procd_mm.')]
    if 'custom_hooks' in out:
        out.custom_hooks = hooks
    if strip_aug:
        out.pop('custom_imports', None)
    else:
        out.custom_imports = dict(imports=['procd_mm.models'], allow_failed_imports=False)
    return out


def plain_meta(meta: dict, checkpoint: str, strip_aug: bool) -> dict:
    """Checkpoint meta that ``torch.load(weights_only=True)`` accepts."""
    out = dict(source=osp.abspath(checkpoint), aug_neck='stripped' if strip_aug else 'kept',
               converted_by='procd_mm tools/convert_student.py')
    for key in ('epoch', 'iter'):
        if key in meta:
            out[key] = int(meta[key])
    if isinstance(meta.get('dataset_meta'), dict):
        out['dataset_meta'] = {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in meta['dataset_meta'].items()
            if isinstance(v, (str, int, float, list, tuple))
        }
    return out


def convert(config: str, checkpoint: str, out_dir: str, strip_aug: bool = False,
            cfg_options: Optional[dict] = None) -> Tuple[str, str]:
    """Export the student of ``checkpoint``; see the module docstring.

    Returns:
        tuple[str, str]: Paths of the written checkpoint and config.
    """
    if not osp.isfile(config):
        raise SystemExit(f'config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = build_distiller(cfg)
    meta = load_distiller_state(model, checkpoint)
    student, student_cfg = export_student(model, cfg.model.student, strip_aug)
    state = {k: v.detach().clone() for k, v in student.state_dict().items()}

    os.makedirs(out_dir, exist_ok=True)
    name = osp.splitext(osp.basename(config))[0] + ('_student_noaug' if strip_aug else
                                                    '_student')
    ckpt_path = osp.join(out_dir, name + '.pth')
    cfg_path = osp.join(out_dir, name + '.py')
    torch.save(dict(state_dict=state, meta=plain_meta(meta, checkpoint, strip_aug)), ckpt_path)
    export_cfg(cfg, student_cfg, strip_aug).dump(cfg_path)
    torch.load(ckpt_path, weights_only=True)  # the point of the export: a plain file
    return ckpt_path, cfg_path


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    ckpt_path, cfg_path = convert(args.config, args.checkpoint, args.out_dir, args.strip_aug,
                                  args.cfg_options)
    print(f'student checkpoint: {ckpt_path}\nstudent config: {cfg_path}')


if __name__ == '__main__':
    main()
