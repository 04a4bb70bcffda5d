# Copyright (c) procd_mm authors. All rights reserved.
"""The student of a ProC-KD run as a plain mmdet/mmseg model: its module, its config and
its checkpoint, with the augmentation neck kept, stripped, appended or made the identity.

``tools/convert_student.py``, ``tools/benchmark.py`` and the zoo all export through here.
"""
import copy
import os
import os.path as osp
import re
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict

from procd_mm.models.distillers.adapters import build_adapter
from procd_mm.models.necks.proto_aug_neck import ProtoAugNeck

# Top-level keys of procd_mm's configs that only the teacher and the distiller use.
PROCD_KEYS = ('teacher', 'teacher_ckpt', 'teacher_input', 'runner_type', 'work_dir')
GATE_KEY = re.compile(r'augments\.\d+\.gate$')


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


def build_distiller(cfg: Config) -> nn.Module:
    """Build ``cfg.model`` (a ProC-KD distiller) with a random teacher, on CPU: the teacher
    is neither loaded nor exported."""
    from mmengine.registry import init_default_scope

    from procd_mm.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    model_cfg = copy.deepcopy(cfg.model)
    if 'student' not in model_cfg or 'teacher' not in model_cfg:
        raise ValueError(f'{cfg.filename}: model is not a distiller (needs model.student and '
                         'model.teacher); a plain student needs no conversion')
    model_cfg.teacher_ckpt = None
    model = MODELS.build(model_cfg)
    if getattr(model, 'aug_neck', None) is None:
        raise ValueError(f'{model_cfg.type} has no augmentation neck to export; use the '
                         "checkpoint's student.* keys directly")
    return model


def load_distiller_checkpoint(model: nn.Module, checkpoint: str) -> dict:
    """Load a run's own checkpoint into ``model`` (strictly, through its load hooks, so
    older layouts are upgraded) and return its ``meta``."""
    from mmengine.runner.checkpoint import load_state_dict

    from procd_mm.utils import load_run_checkpoint
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist')
    ckpt = load_run_checkpoint(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    try:
        load_state_dict(model, state, strict=True)
    except RuntimeError as e:
        raise ValueError(f'{checkpoint} does not match the config\'s model: {e}') from None
    return ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}


def export_student(model: nn.Module, student_cfg: ConfigDict,
                   strip_aug: bool) -> Tuple[nn.Module, ConfigDict]:
    """The student module and its config, with the augmentation neck kept or removed.

    Args:
        model (nn.Module): The distiller, with its checkpoint loaded.
        student_cfg (ConfigDict): ``cfg.model.student``.
        strip_aug (bool): Remove the augmentation neck.

    Returns:
        tuple: The student (the distiller's own module, changed in place when stripped)
        and its config.
    """
    student_cfg = copy.deepcopy(student_cfg)
    pre = split_neck_cfg(student_cfg.get('neck', None))
    pre_list = [] if pre is None else (list(pre) if isinstance(pre, (list, tuple)) else [pre])
    if strip_aug:
        model.adapter.strip_aug_neck()
        if pre_list:
            student_cfg.neck = pre_list[0] if len(pre_list) == 1 else pre_list
        else:
            student_cfg.pop('neck', None)
    else:
        aug_cfg = ConfigDict(model.aug_neck.config())
        student_cfg.neck = [*pre_list, aug_cfg] if pre_list else aug_cfg
    return model.student, student_cfg


def with_aug_neck(student: nn.Module, aug_neck: ProtoAugNeck) -> nn.Module:
    """A copy of a plain ``student`` with ``aug_neck`` (copied) after its neck."""
    student = copy.deepcopy(student)
    build_adapter(student).append_aug_neck(copy.deepcopy(aug_neck))
    return student


def zero_gates(state_dict: dict) -> int:
    """Set every augmentation-neck gate in ``state_dict`` to zero, in place: the neck is
    then the identity and the student runs as if stripped.

    Returns:
        int: The number of gate tensors zeroed; a ``KeyError`` when there is none.
    """
    keys = [k for k in state_dict if GATE_KEY.search(k)]
    if not keys:
        raise KeyError('the state dict holds no ProtoAugNeck gates (augments.*.gate)')
    for k in keys:
        state_dict[k] = torch.zeros_like(state_dict[k])
    return len(keys)


def export_cfg(cfg: Config, student_cfg: ConfigDict, strip_aug: bool) -> Config:
    """The original config with the student as the model and procd_mm's parts removed:
    the teacher keys, the ``procd*`` settings dicts, the run's ``work_dir`` and our
    runner and hooks."""
    out = copy.deepcopy(cfg)
    out.model = student_cfg
    for key in list(out.keys()):
        if key in PROCD_KEYS or key.startswith('procd'):
            out.pop(key)
    if 'custom_hooks' in out:
        out.custom_hooks = [h for h in out.custom_hooks or []
                            if not str(h.get('type', '')).startswith('procd_mm.')]
    if strip_aug:
        out.pop('custom_imports', None)
    else:
        out.custom_imports = dict(imports=['procd_mm.models'], allow_failed_imports=False)
    return out


def plain_meta(meta: dict, checkpoint: str, strip_aug: bool) -> dict:
    """Checkpoint meta that ``torch.load(weights_only=True)`` accepts."""
    out = dict(source=osp.abspath(checkpoint), aug_neck='stripped' if strip_aug else 'kept',
               converted_by='procd_mm.apis.export')
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


def convert_student(config: str, checkpoint: str, out_dir: str, strip_aug: bool = False,
                    cfg_options: Optional[dict] = None) -> Tuple[str, str]:
    """Write the student of a ProC-KD checkpoint as a plain checkpoint and config.

    Args:
        config (str): The ProC-KD (distiller) config.
        checkpoint (str): A checkpoint of that config (the run's own; read with full
            unpickling, as resuming does).
        out_dir (str): Where ``<config name>_student[_noaug].pth/.py`` are written.
        strip_aug (bool): Drop the augmentation neck: the result loads in stock
            mmdet/mmseg without procd_mm. Defaults to False.
        cfg_options (dict, optional): Overrides of the config.

    Returns:
        tuple[str, str]: Paths of the written checkpoint and config.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = build_distiller(cfg)
    meta = load_distiller_checkpoint(model, checkpoint)
    student, student_cfg = export_student(model, cfg.model.student, strip_aug)
    state = {k: v.detach().clone() for k, v in student.state_dict().items()}
    os.makedirs(out_dir, exist_ok=True)
    name = osp.splitext(osp.basename(config))[0] + ('_student_noaug' if strip_aug else
                                                    '_student')
    ckpt_path, cfg_path = (osp.join(out_dir, name + ext) for ext in ('.pth', '.py'))
    torch.save(dict(state_dict=state, meta=plain_meta(meta, checkpoint, strip_aug)), ckpt_path)
    export_cfg(cfg, student_cfg, strip_aug).dump(cfg_path)
    torch.load(ckpt_path, weights_only=True)  # the point of the export: a plain file
    return ckpt_path, cfg_path
