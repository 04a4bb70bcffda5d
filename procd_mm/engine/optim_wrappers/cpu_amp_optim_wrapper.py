# Copyright (c) procd_mm authors. All rights reserved.
from contextlib import contextmanager
from typing import Iterator, Union

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from procd_mm.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision on CPU: the forward under ``torch.autocast('cpu', bfloat16)``.

    MMEngine's ``AmpOptimWrapper`` asserts a GPU. bfloat16 keeps float32's exponent range,
    so gradients need no loss scaling and the step is ``OptimWrapper``'s. Selected by
    ``tools/train.py --amp`` on a host without a GPU, as
    ``optim_wrapper.type='procd_mm.CPUAmpOptimWrapper'``.

    Args:
        dtype (str | torch.dtype): The autocast type; only ``'bfloat16'`` (float16 would
            need loss scaling). Defaults to ``'bfloat16'``.
        **kwargs: Passed to ``OptimWrapper`` (``optimizer``, ``clip_grad``, ...).
    """

    def __init__(self, dtype: Union[str, torch.dtype] = 'bfloat16', **kwargs) -> None:
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError("optim_wrapper.dtype of procd_mm.CPUAmpOptimWrapper must be "
                             f"'bfloat16' (float16 needs loss scaling), got {dtype!r}")
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """``OptimWrapper``'s context (gradient accumulation) inside bfloat16 autocast.

        Args:
            model (nn.Module): The training model.
        """
        with super().optim_context(model), torch.autocast(device_type='cpu',
                                                           dtype=self.cast_dtype):
            yield
