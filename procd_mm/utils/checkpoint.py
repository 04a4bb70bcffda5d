# Copyright (c) procd_mm authors. All rights reserved.
"""Checkpoint reading: safe by default, full unpickling only for a run's own checkpoints.

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``; since torch 2.6 that means
``weights_only=True``, which refuses MMEngine's own resume checkpoints (numpy scalars,
``HistoryBuffer`` in the message hub). Turning unpickling on for every file would instead let
any downloaded teacher checkpoint run code. The rule:

- a checkpoint the run wrote itself (resume, ``tools/test.py``, export, the analysis tools)
  is read by :func:`load_run_checkpoint`, with full unpickling;
- every other local file (teacher and pretrained weights, ``load_from`` when fine-tuning) is
  read by :func:`load_local_checkpoint` with ``weights_only=True``.

Nothing here is registered with MMEngine: :class:`procd_mm.engine.ProCDRunner` reads its
checkpoints through :func:`read_checkpoint`, and MMEngine's own loaders stay as they are.
"""
import os.path as osp
import pickle
import re
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, List, Mapping, Optional, Tuple, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_TRUSTED: ContextVar = ContextVar('procd_mm_trusted_checkpoints', default=False)
# 'http://', 's3://', 'torchvision://', 'open-mmlab://' ...: MMEngine's loaders read these
_REMOTE = re.compile(r'^[A-Za-z][\w+.-]*://')

MapLocation = Optional[Union[str, torch.device]]


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds pickled objects that safe loading refuses."""


@contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Read the checkpoints that :func:`read_checkpoint` loads inside this block as the run's
    own (full unpickling).

    Use it only around files the run wrote itself; never around a teacher or pretrained
    checkpoint from elsewhere.
    """
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def load_local_checkpoint(filename: str, map_location: MapLocation = None,
                          trusted: Optional[bool] = None) -> dict:
    """Read a local checkpoint, with ``weights_only=True`` unless trusted.

    Args:
        filename (str): Path of the checkpoint file (``~`` is expanded).
        map_location (str | torch.device, optional): Passed to ``torch.load``.
        trusted (bool, optional): Allow full unpickling. Defaults to whether the call is
            inside :func:`trusted_checkpoints`.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        UnsafeCheckpointError: Safe loading refused an object in the file.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    if trusted is None:
        trusted = _TRUSTED.get()
    try:
        return torch.load(filename, map_location=map_location, weights_only=not trusted)
    except pickle.UnpicklingError as e:
        raise UnsafeCheckpointError(
            f'{filename!r} holds pickled objects beyond tensors, so it was refused by safe '
            f'loading (torch.load(weights_only=True)): {_refused_object(e)}\n'
            'Teacher and pretrained weights must be plain state dicts: re-save a trusted '
            "file with torch.save({'state_dict': state_dict}, path). A run's own "
            'checkpoint is read with procd_mm.utils.load_run_checkpoint (resume, '
            "tools/test.py and the analysis tools do) or by runner_type='procd_mm.ProCDRunner'."
        ) from None


def load_run_checkpoint(filename: str, map_location: MapLocation = 'cpu') -> dict:
    """Read a checkpoint that a training run wrote itself, with full unpickling.

    The one rule for a run's own checkpoints (``iter_N.pth``, ``epoch_N.pth``,
    ``best_*.pth``): they hold MMEngine's message hub, optimizer and scheduler state, which
    safe loading refuses, so resuming, ``tools/test.py``, the student export and the
    analysis tools all read them here. Never pass a file from elsewhere: unpickling can run
    code.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | torch.device, optional): Passed to ``torch.load``. Defaults to
            ``'cpu'``.

    Returns:
        dict: The checkpoint (``state_dict``, ``meta``, ``message_hub`` ...).

    Raises:
        FileNotFoundError: The file does not exist.
    """
    return load_local_checkpoint(filename, map_location, trusted=True)


def read_checkpoint(filename: str, map_location: MapLocation = None) -> dict:
    """Read a checkpoint from a local path or a URL, as MMEngine's loaders do.

    A local file goes through :func:`load_local_checkpoint` (safe unless inside
    :func:`trusted_checkpoints`); ``http://``, ``s3://``, ``torchvision://`` and MMEngine's
    other schemes go to MMEngine's own loaders.

    Args:
        filename (str): Local path or URL.
        map_location (str | torch.device, optional): Passed to ``torch.load``.

    Returns:
        dict: The loaded checkpoint.
    """
    if _REMOTE.match(filename):
        return CheckpointLoader.load_checkpoint(filename, map_location)
    return load_local_checkpoint(filename, map_location)


def revised_state_dict(state_dict: Mapping, revisions: List[Tuple[str, str]] = [(r'^module\.', '')]
                ) -> OrderedDict:
    """``state_dict`` with ``re.sub(pattern, replacement, key)`` applied to every key, its
    ``_metadata`` (the modules' state-dict versions) kept, as MMEngine's loader does.

    Args:
        state_dict (Mapping): A state dict.
        revisions (list[tuple[str, str]]): ``(pattern, replacement)`` pairs, applied in
            order. Defaults to stripping DDP's ``module.`` prefix.

    Returns:
        OrderedDict: The revised state dict.
    """
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    revised = OrderedDict(state_dict)
    for pattern, replacement in revisions:
        revised = OrderedDict((re.sub(pattern, replacement, k), v) for k, v in revised.items())
    revised._metadata = metadata
    return revised


def _refused_object(err: Exception) -> str:
    """The line of torch's message that names the refused global, without colour codes."""
    lines = [re.sub(r'\x1b\[[0-9;]*m', '', ln).strip() for ln in str(err).splitlines()]
    named = [ln for ln in lines if 'Unsupported global' in ln or 'GLOBAL' in ln]
    line = (named or lines or [''])[0]
    return line.split(' was not an allowed global')[0].replace('WeightsUnpickler error: ', '')
