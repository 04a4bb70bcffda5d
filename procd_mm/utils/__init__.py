# Copyright (c) procd_mm authors. All rights reserved.
from .checkpoint import (UnsafeCheckpointError, load_local_checkpoint,
                         trusted_checkpoints)
from .precision import float32_region
from .setup_env import register_all_modules
from .validation import check_weight

__all__ = [
    'UnsafeCheckpointError', 'load_local_checkpoint', 'trusted_checkpoints',
    'register_all_modules', 'float32_region',
    'check_weight'
]
