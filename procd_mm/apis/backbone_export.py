# Copyright (c) procd_mm authors. All rights reserved.
"""A pretrained backbone as a checkpoint the stock student config loads:
``init_cfg=dict(type='Pretrained', checkpoint=FILE, prefix='backbone.')``."""
import hashlib
import os
import os.path as osp
from typing import Mapping, Optional

import torch

from procd_mm.utils.checkpoint import load_run_checkpoint

PREFIX = 'backbone.'
# Where a backbone sits in the checkpoints procd_mm writes: BackboneDistiller, then the
# distillers (their student's backbone) and a plain mmdet/mmseg/mmpretrain model.
SOURCE_PREFIXES = ('backbone.', 'student.backbone.')


def sha256(path: str) -> str:
    """The file's sha256, in hex."""
    with open(path, 'rb') as f:
        return hashlib.file_digest(f, 'sha256').hexdigest()


def backbone_state(state_dict: Mapping, source: Optional[str] = None) -> dict:
    """The backbone's weights under ``backbone.`` keys.

    Args:
        state_dict (Mapping): A model's state dict.
        source (str, optional): The prefix of the backbone's keys in ``state_dict``.
            Defaults to the first of :data:`SOURCE_PREFIXES` that has keys.

    Returns:
        dict: ``backbone.<key>`` -> tensor.
    """
    prefixes = (source, ) if source else SOURCE_PREFIXES
    for prefix in prefixes:
        state = {PREFIX + k[len(prefix):]: v for k, v in state_dict.items()
                 if k.startswith(prefix)}
        if state:
            return state
    raise KeyError(f'no backbone weights in the checkpoint: no key starts with '
                   f'{" or ".join(map(repr, prefixes))}')


def save_backbone(state_dict: Mapping, out_file: str, meta: Optional[dict] = None) -> str:
    """Write ``dict(state_dict=backbone_state(state_dict), meta=meta)`` to ``out_file``.

    Returns:
        str: The sha256 of the file written.
    """
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in backbone_state(state_dict).items()}
    tmp = out_file + '.tmp'
    torch.save(dict(state_dict=state, meta=dict(meta or {})), tmp)
    os.replace(tmp, out_file)  # never a half-written file under the final name
    return sha256(out_file)


def export_backbone(checkpoint: str, out_file: str, source: Optional[str] = None) -> str:
    """Export the backbone of a checkpoint that a procd_mm (or mmdet/mmseg/mmpretrain) run
    wrote, for ``init_cfg=dict(type='Pretrained', checkpoint=out_file, prefix='backbone.')``.

    Args:
        checkpoint (str): The run's checkpoint (read with full unpickling: your own files).
        out_file (str): Where the backbone checkpoint goes.
        source (str, optional): The backbone's key prefix in ``checkpoint``; found if None.

    Returns:
        str: The sha256 of ``out_file``.
    """
    ckpt = load_run_checkpoint(checkpoint)
    state = ckpt.get('state_dict', ckpt)
    meta = dict(source=osp.abspath(checkpoint), source_sha256=sha256(checkpoint),
                iter=ckpt.get('meta', {}).get('iter'), load_with=init_cfg_line(out_file))
    return save_backbone(state, out_file, meta)


def init_cfg_line(out_file: str) -> str:
    """The config line that loads ``out_file`` into a stock backbone."""
    return f"init_cfg=dict(type='Pretrained', checkpoint='{out_file}', prefix='{PREFIX}')"
