# Copyright (c) procd_mm authors. All rights reserved.
"""The guided pass normalises with its own batch and leaves the student's BatchNorm
running statistics alone."""
from contextlib import contextmanager
from typing import Iterator

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


@contextmanager
def batch_statistics_only(module: nn.Module) -> Iterator[None]:
    """Make the BatchNorm layers of ``module`` that are training normalise with the batch's
    own statistics and leave their running statistics (and ``num_batches_tracked``)
    untouched for the block.

    The guided pass runs the student's layers on teacher-derived features that the student
    never sees at inference: its statistics must not enter the running statistics the
    deployed student normalises with. Layers in eval mode (``norm_eval``) keep using their
    running statistics. Only the public ``track_running_stats`` flag of these instances is
    switched, and restored on exit.

    Args:
        module (nn.Module): The student.
    """
    layers = [m for m in module.modules()
              if isinstance(m, _BatchNorm) and m.track_running_stats]
    for m in layers:
        m.track_running_stats = False
    try:
        yield
    finally:
        for m in layers:
            m.track_running_stats = True
