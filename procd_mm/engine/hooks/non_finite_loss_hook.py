# Copyright (c) procd_mm authors. All rights reserved.
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import find_latest_checkpoint

from procd_mm.registry import HOOKS

DATA_BATCH = Optional[Union[dict, tuple, list]]


class NonFiniteLossError(RuntimeError):
    """A training iteration produced a NaN or infinite loss."""


def non_finite_keys(outputs: Optional[Dict]) -> List[str]:
    """The keys of ``outputs`` whose values are not finite numbers.

    Args:
        outputs (dict, optional): A train step's log variables (tensors or floats).

    Returns:
        list[str]: Keys holding NaN or +-inf, in their order in ``outputs``.
    """
    bad = []
    for key, value in (outputs or {}).items():
        if isinstance(value, torch.Tensor):
            finite = bool(torch.isfinite(value.detach()).all())
        elif isinstance(value, (int, float)):
            finite = math.isfinite(value)
        else:
            continue
        if not finite:
            bad.append(key)
    return bad


def _as_float(value) -> float:
    if isinstance(value, torch.Tensor):
        return float(value.detach().float().mean())
    return float(value)


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first iteration whose loss is NaN or infinite.

    After each train iteration the hook reads the step's log variables (``outputs``, the
    same values the message hub and the logger get) and raises :class:`NonFiniteLossError`
    naming the iteration, the non-finite keys and the last checkpoint in the work dir
    (found like MMEngine's resume: the ``last_checkpoint`` file). Its priority is above
    ``CheckpointHook``'s, so the weights updated by the non-finite step are never saved.

    Note: the optimizer step of the failing iteration has already run, so the model in
    memory is spoiled; resume from the named checkpoint (``--resume PATH``), e.g. with a
    lower learning rate or gradient clipping.

    Args:
        keys (Sequence[str], optional): Only check these log keys. Defaults to None (every
            numeric key: ``loss``, each ``*.loss_*`` and the logged ``proto.*`` values).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, keys: Optional[Sequence[str]] = None) -> None:
        self.keys = None if keys is None else list(keys)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Raise :class:`NonFiniteLossError` if this iteration's losses are not finite."""
        if self.keys is not None:
            outputs = {k: v for k, v in (outputs or {}).items() if k in self.keys}
        bad = non_finite_keys(outputs)
        if not bad:
            return
        values = ', '.join(f'{k}={_as_float(outputs[k])}'
                           for k in bad)
        last = find_latest_checkpoint(runner.work_dir)
        if last and osp.isfile(last):
            where = (f'the last good checkpoint is {last}; resume from it with '
                     f"resume=True, load_from='{last}' (tools/train.py --resume {last}), e.g. "
                     'with a lower learning rate or optim_wrapper.clip_grad set')
        else:
            where = (f'no checkpoint has been saved in {runner.work_dir} yet; restart the run, '
                     'e.g. with a lower learning rate or optim_wrapper.clip_grad set')
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1}: {values}. Training stopped; '
            f'{where}.')
