# Copyright (c) procd_mm authors. All rights reserved.
"""Building modules from configs in any default scope, with errors that name the config key;
finding a model's feature levels by a dummy forward."""
import copy
import difflib
from importlib import import_module
from typing import Callable, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from procd_mm.registry import MODELS

TEACHER_SCOPE = 'mmpretrain'
PROBE_SIZE = 256  # divisible by the largest stride of common students (RetinaNet P7: 128)
# 224 = 2^5 * 7: a whole number of cells for strides 4-32 and for patch-14 ViTs (DINOv2,
# EVA-02), so the measured stride is exact (256 px would give 13 for patch 14)
TEACHER_PROBE_SIZE = 224


def scoped_type(cfg: dict, key: str, candidates: Tuple[str, ...],
                 example: str = 'mmdet.FasterRCNN') -> Tuple[str, str]:
    """The (scope, type name) of a config dict: from ``_scope_``, a ``scope.`` prefix or
    the first candidate scope whose registry knows the type.

    Args:
        cfg (dict): The model config.
        key (str): Its config key, named in errors (``'model.student'``).
        candidates (tuple[str]): Scopes searched for an unscoped type.
        example (str): A scoped type suggested when none of them knows the type.
    """
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'{key} must be a model config dict with a "type", got {cfg!r}')
    obj_type = cfg['type']
    if not isinstance(obj_type, str):
        return cfg.get('_scope_') or candidates[0], obj_type
    scope, _, name = obj_type.rpartition('.')
    scope = scope or cfg.get('_scope_')  # an explicit 'scope.Type' wins, as in the registry
    if scope:
        return scope, name
    close = []
    for cand in candidates:
        registry = import_module(f'{cand}.registry').MODELS
        if registry.get(name) is not None:
            return cand, name
        close += [f'{cand}.{n}' for n in _close_names(name, registry)]
    raise KeyError(f'{key}.type={obj_type!r} is not registered in any of the scopes '
                   f'{candidates}; use a scoped name such as {example!r}'
                   + (f'. Did you mean {", ".join(map(repr, close))}?' if close else ''))


def _close_names(name: str, registry) -> List[str]:
    """Registered names that look like ``name`` (typos), best first."""
    return difflib.get_close_matches(name, list(registry.module_dict), n=3, cutoff=0.6)


def _check_registered(key: str, obj_type: str, scope: str, name: str, expected: str) -> None:
    """Fail with the config key and close names when ``scope`` does not know ``name``
    (mmengine would raise a bare ``KeyError`` while building)."""
    try:
        registry = import_module(f'{scope}.registry').MODELS
    except ImportError as e:  # an unknown or uninstalled scope
        raise KeyError(f'{key}.type={obj_type!r}: scope {scope!r} has no model registry '
                       f'(import {scope}.registry failed: {e}); expected {expected}') from None
    if registry.get(name) is not None:
        return
    close = _close_names(name, registry)
    hint = f' Did you mean {", ".join(repr(f"{scope}.{n}") for n in close)}?' if close else ''
    raise KeyError(f'{key}.type={obj_type!r} is not registered in scope {scope!r}; expected '
                   f'{expected}.{hint}')


def build_in_scope(cfg: dict, scope: str) -> nn.Module:
    cfg = copy.deepcopy(dict(cfg))
    cfg['_scope_'] = scope
    return MODELS.build(cfg)


def build_module(cfg: dict, key: Optional[str] = None) -> nn.Module:
    """Build one of procd_mm's modules whatever the default scope (mmdet/mmseg configs).

    Args:
        cfg (dict): The module's config.
        key (str, optional): Its config key (``'model.loss_feat'``), put in front of
            ``ValueError``/``TypeError`` messages raised while building it.
    """
    cfg = dict(cfg)
    cfg.setdefault('_scope_', 'procd_mm')
    try:
        return MODELS.build(cfg)
    except (ValueError, TypeError) as e:
        if key is None or type(e) not in (ValueError, TypeError):
            raise
        raise type(e)(f'{key}: {e}') from e


def build_teacher(cfg: dict) -> nn.Module:
    """Build the teacher backbone (mmpretrain scope unless the config names another).

    An unknown type fails before building, naming ``model.teacher.type`` and close names.
    """
    example = 'mmpretrain.VisionTransformer'
    scope, name = scoped_type(cfg, 'model.teacher', (TEACHER_SCOPE, ), example=example)
    if isinstance(name, str):
        _check_registered('model.teacher', cfg['type'], scope, name,
                          f'a backbone registered in {TEACHER_SCOPE}, e.g. {example!r}')
    return build_in_scope(cfg, scope)


def probe_levels(extract: Callable[[Tensor], Tuple[Tensor, ...]], what: str,
                 size: int = PROBE_SIZE) -> List[Tuple[int, int]]:
    """Run ``extract`` on a dummy image and return each level's (channels, stride).

    Args:
        extract (Callable): Maps images (1, 3, size, size) to feature maps.
        what (str): Config key named in errors.
        size (int): Side of the dummy image.

    Returns:
        list[tuple[int, int]]: (channels, stride) per level.
    """
    with torch.no_grad():
        outs = dummy_run(extract, what, size)
    return levels_of(outs, what, size)


def _hw(size: Union[int, Tuple[int, int]]) -> Tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def dummy_run(extract: Callable, what: str, size: Union[int, Tuple[int, int]]):
    """``extract`` on one zero image of ``size`` (side or (H, W)); a failure is a
    ``RuntimeError`` naming ``what``."""
    h, w = _hw(size)
    try:
        return extract(torch.zeros(1, 3, h, w))
    except Exception as e:
        raise RuntimeError(f'{what} does not run on a dummy (1, 3, {h}, {w}) image, so '
                           f'its feature levels cannot be found: {type(e).__name__}: {e}. '
                           f'Check the channels/levels in {what}.') from e


def levels_of(outs, what: str, size: Union[int, Tuple[int, int]]) -> List[Tuple[int, int]]:
    """(channels, stride) of each output of a dummy run on an image of ``size``.

    Raises:
        TypeError: An output is a list, as a ViT's (feature map, class token) pair.
        ValueError: An output is not a 4-D feature map.
    """
    outs = [outs] if isinstance(outs, Tensor) else list(outs)
    for i, o in enumerate(outs):
        if isinstance(o, (list, tuple)):
            raise TypeError(
                f'{what} output {i} is a {type(o).__name__} of {len(o)}, not a feature map '
                '(B, C, H, W): a ViT giving (feature map, class token) pairs '
                '(output_cls_token=True, as DPT heads read) cannot be augmented; supported '
                'are backbones whose outputs are feature maps')
        if not isinstance(o, Tensor) or o.dim() != 4:
            shape = tuple(o.shape) if isinstance(o, Tensor) else type(o).__name__
            raise ValueError(
                f'{what} output {i} is {shape}, not a feature map (B, C, H, W). For mmpretrain '
                "VisionTransformer set out_type='featmap'; for ConvNeXt "
                'gap_before_final_norm=False.')
    width = _hw(size)[1]
    return [(o.shape[1], max(1, round(width / o.shape[-1]))) for o in outs]


def eval_mode(module: nn.Module) -> Callable:
    """Wrap a call so that ``module`` runs in eval mode and its training flags come back."""

    def run(fn: Callable, *args):
        flags = [m.training for m in module.modules()]
        module.eval()
        try:
            return fn(*args)
        finally:
            for m, f in zip(module.modules(), flags):
                m.training = f

    return run
