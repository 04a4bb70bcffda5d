# Copyright (c) procd_mm authors. All rights reserved.
from contextlib import contextmanager
from typing import Iterator

import torch
from torch import Tensor


@contextmanager
def float32_region(ref: Tensor) -> Iterator[None]:
    """Turn autocast off on ``ref``'s device, so normalisations run in float32.

    Args:
        ref (Tensor): A tensor on the device whose autocast is disabled.
    """
    with torch.autocast(device_type=ref.device.type, enabled=False):
        yield
