# Copyright (c) procd_mm authors. All rights reserved.
"""Loading the frozen teacher's weights strictly: a half-loaded teacher is silent wrong
training, so missing, unexpected or mis-shaped keys are errors naming the config key."""
import logging
import re
from typing import List, Optional, Tuple

import torch.nn as nn
from mmengine.logging import print_log

from procd_mm.utils.checkpoint import UnsafeCheckpointError, read_checkpoint


def teacher_weights_source(teacher: dict, teacher_ckpt: Optional[str]
                           ) -> Tuple[dict, Optional[str], str, Optional[str]]:
    """Where the teacher's weights come from: ``model.teacher_ckpt`` or a ``Pretrained``
    entry of ``model.teacher.init_cfg`` (not both).

    Args:
        teacher (dict): The teacher config.
        teacher_ckpt (str, optional): ``model.teacher_ckpt``.

    Returns:
        tuple: ``(teacher config without the Pretrained entry, checkpoint file or None,
        its config key, its key prefix or None)``. The entry is taken out so that
        mmengine's ``init_weights`` does not load it a second time, leniently.
    """
    teacher = dict(teacher)
    inits = teacher.get('init_cfg')
    inits = list(inits) if isinstance(inits, (list, tuple)) else [inits]
    pretrained = [c for c in inits if isinstance(c, dict) and c.get('type') == 'Pretrained']
    if not pretrained:
        return teacher, teacher_ckpt, 'model.teacher_ckpt', None
    if teacher_ckpt:
        raise ValueError(
            f'model.teacher_ckpt={teacher_ckpt!r} and model.teacher.init_cfg='
            f"{dict(pretrained[0])!r} both give the teacher's weights; set one of "
            'them (e.g. model.teacher.init_cfg=None)')
    if len(pretrained) > 1 or not pretrained[0].get('checkpoint'):
        raise ValueError('model.teacher.init_cfg must hold one Pretrained entry with a '
                         f'checkpoint, got {teacher["init_cfg"]!r}')
    teacher['init_cfg'] = [c for c in inits if c is not None and c not in pretrained] or None
    return (teacher, pretrained[0]['checkpoint'], 'model.teacher.init_cfg.checkpoint',
            pretrained[0].get('prefix'))


def load_teacher_checkpoint(teacher: nn.Module,
                            filename: str,
                            strict: bool = True,
                            key: str = 'model.teacher_ckpt',
                            prefix: Optional[str] = None) -> None:
    """Load teacher weights from a local path or URL with ``weights_only=True``.

    A ``module.`` prefix is dropped. With ``prefix``, only the keys starting with it are
    used, stripped (as mmengine's ``PretrainedInit``); otherwise a checkpoint with
    ``backbone.`` keys (an mmpretrain classifier) gives those, stripped, and its other keys
    (neck, head) are ignored. Weights go through ``teacher.load_state_dict`` so the
    backbone's load hooks (e.g. ViT ``pos_embed`` resizing) run.

    Args:
        teacher (nn.Module): The built teacher backbone.
        filename (str): Local path or URL of the checkpoint.
        strict (bool): Missing or unexpected keys are an error. When False the matching
            weights are loaded and a warning gives the counts. Defaults to True.
        key (str): The config key of ``filename``, named in errors. Defaults to
            ``'model.teacher_ckpt'``.
        prefix (str, optional): Use only the keys under this prefix. Defaults to None.

    Raises:
        FileNotFoundError: No such file.
        UnsafeCheckpointError: The file holds pickled objects.
        KeyError: The checkpoint holds no weight of the teacher (or none under ``prefix``).
        RuntimeError: An unreadable file, a weight of the wrong shape, or (strict) missing
            or unexpected keys.
    """
    hint = f'point {key} at a local copy, e.g. --cfg-options {key}=/path/to/teacher.pth'
    try:
        ckpt = read_checkpoint(filename, map_location='cpu')
    except FileNotFoundError:
        raise FileNotFoundError(f'{key}={filename!r}: no such file; {hint}') from None
    except UnsafeCheckpointError as e:
        raise UnsafeCheckpointError(f'{key}={filename!r}: {e}') from None
    except Exception as e:  # noqa: BLE001 - a corrupt file fails with many error types
        if re.match(r'^(https?|s3)://', filename):
            raise RuntimeError(f'{key}={filename!r} could not be downloaded '
                               f'({type(e).__name__}: {e}); {hint}') from None
        raise RuntimeError(
            f'{key}={filename!r} could not be read as a torch checkpoint '
            f'({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}); expected a '
            "file written by torch.save, e.g. torch.save({'state_dict': ...}, path)") from None
    state = ckpt.get('state_dict', ckpt.get('model', ckpt)) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise TypeError(f'{key}={filename!r} holds no state dict')
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    cls = type(teacher).__name__
    part = prefix if prefix is None or prefix.endswith('.') else f'{prefix}.'
    if part is None and any(k.startswith('backbone.') for k in state):
        part = 'backbone.'  # an mmpretrain classifier: its neck/head are not the teacher's
    if part is not None:
        sub = {k[len(part):]: v for k, v in state.items() if k.startswith(part)}
        if not sub:
            raise KeyError(f'{key}={filename!r} has no key starting with prefix={part!r} '
                           f'(first keys: {list(state)[:3]}); fix the prefix of '
                           'model.teacher.init_cfg')
        others = [k for k in state if not k.startswith(part)]
        if others:
            print_log(f'{key}: using the {len(sub)} {part}* weights of {filename}; its '
                      f'{len(others)} other keys (e.g. {others[:3]}) are not part of the '
                      'teacher', logger='current', level=logging.INFO)
        state = sub
    own = teacher.state_dict()
    if not any(k in own for k in state):
        raise KeyError(f'{key}={filename!r} has no weights for the teacher '
                       f'{cls} (first keys: {list(state)[:3]}); check that '
                       'model.teacher matches the checkpoint architecture')
    try:
        result = teacher.load_state_dict(state, strict=False)
    except RuntimeError as e:  # size mismatches; torch raises them even when not strict
        raise RuntimeError(_load_error(key, filename, cls, e)) from None
    # keys in the checkpoint but reported missing were dropped by the teacher's own load
    # hooks, which re-create them (mmpretrain Swin: relative_position_index)
    missing = [k for k in result.missing_keys if k not in state]
    norms = _untrained_out_norms(teacher, missing, state)
    if norms:
        print_log(f'{key}: the teacher {cls} has output norms {norms} for its extra '
                  f'out_indices, which {filename} does not hold (a classifier trains only its '
                  'last); they keep their initial weights', logger='current',
                  level=logging.WARNING)
        missing = [k for k in missing if k.split('.')[0] not in norms]
    unexpected = list(result.unexpected_keys)
    if not missing and not unexpected:
        return
    detail = '; '.join(
        [f"{len(missing)} of the teacher's {len(own)} weights are not in the checkpoint "
         f'(first: {missing[:5]})'] * bool(missing) +
        [f'{len(unexpected)} checkpoint keys are not in the teacher (first: '
         f'{unexpected[:5]})'] * bool(unexpected))
    if strict:
        raise RuntimeError(
            f'{key}={filename!r} does not match the teacher {cls}: {detail}. Check that '
            'model.teacher matches the checkpoint architecture, or set '
            'model.teacher_ckpt_strict=False to load only the matching weights (the others '
            'stay random).')
    print_log(f'{key}={filename!r} does not match the teacher {cls} '
              f'(model.teacher_ckpt_strict=False, the matching weights are loaded): {detail}',
              logger='current', level=logging.WARNING)


def _load_error(key: str, filename: str, cls: str, err: RuntimeError) -> str:
    """The message of a failed ``load_state_dict``: wrong shapes by key, else torch's."""
    sizes = re.findall(r'size mismatch for (\S+): copying a param with shape torch\.Size\('
                       r'(\[[^\]]*\])\) from checkpoint, the shape in current model is '
                       r'torch\.Size\((\[[^\]]*\])\)', str(err))
    if not sizes:
        return f'{key}={filename!r} could not be loaded into the teacher {cls}: {err}'
    shown = '; '.join(f'{k!r} is {ck} in the checkpoint but {mk} in the teacher'
                      for k, ck, mk in sizes[:3])
    return (f'{key}={filename!r}: {len(sizes)} weights of the checkpoint have the wrong shape '
            f'for the teacher {cls} ({shown}); check that model.teacher (arch, widths, '
            'patch size) matches the checkpoint architecture')


def _untrained_out_norms(teacher: nn.Module, missing: List[str], state: dict) -> List[str]:
    """The teacher's ``norm{i}`` output layers (mmpretrain ConvNeXt, Swin) that are all
    missing from a checkpoint holding another output norm: a classifier trained with one
    output has only its last norm, and the extra ``out_indices`` get fresh ones."""
    out_indices = getattr(teacher, 'out_indices', None) or ()
    names = [f'norm{i}' for i in out_indices if isinstance(i, int)]
    held = [n for n in names if any(k.startswith(f'{n}.') for k in state)]
    if not held:
        return []
    own = teacher.state_dict()
    return [n for n in names if n not in held and hasattr(teacher, n)
            and all(k in missing for k in own if k.startswith(f'{n}.'))]
