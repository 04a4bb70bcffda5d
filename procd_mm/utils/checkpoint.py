# Copyright (c) procd_mm authors. All rights reserved.
"""Checkpoint loading that is safe by default and works with torch >= 2.6.

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``. Since torch 2.6 that means
``weights_only=True``, which refuses MMEngine's own resume checkpoints (numpy scalars,
``HistoryBuffer`` in the message hub). Turning unpickling on for every file would instead let
any downloaded teacher checkpoint run code. So:

- every local checkpoint is read with ``weights_only=True`` (plain tensors and containers);
- inside :func:`trusted_checkpoints` (used by :class:`procd_mm.engine.ProCDRunner` to resume
  the run's *own* checkpoints) full unpickling is allowed.

The loader is registered for MMEngine's local-file scheme, so ``load_checkpoint``,
``Runner.load_checkpoint`` and ``init_cfg=dict(type='Pretrained', ...)`` all go through it.
"""
import os.path as osp
import pickle
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, Optional, Union

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_TRUSTED: ContextVar = ContextVar('procd_mm_trusted_checkpoints', default=False)


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds pickled objects that safe loading refuses."""


@contextmanager
def trusted_checkpoints() -> Iterator[None]:
    """Allow full unpickling for checkpoints loaded inside this block.

    Use it only around files the run wrote itself (resuming); never around a teacher or
    pretrained checkpoint from elsewhere.
    """
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def load_local_checkpoint(filename: str,
                          map_location: Optional[Union[str, torch.device]] = None,
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
            "file with torch.save({'state_dict': state_dict}, path). Resuming a run's own "
            "checkpoint is trusted when the config sets runner_type='procd_mm.ProCDRunner'."
        ) from None


def _refused_object(err: Exception) -> str:
    """The line of torch's message that names the refused global, without colour codes."""
    lines = [re.sub(r'\x1b\[[0-9;]*m', '', ln).strip() for ln in str(err).splitlines()]
    named = [ln for ln in lines if 'Unsupported global' in ln or 'GLOBAL' in ln]
    line = (named or lines or [''])[0]
    return line.split(' was not an allowed global')[0].replace('WeightsUnpickler error: ', '')


@CheckpointLoader.register_scheme(prefixes='', force=True)
def _load_from_local(filename: str, map_location=None) -> dict:
    return load_local_checkpoint(filename, map_location)
