# Copyright (c) procd_mm authors. All rights reserved.
from .checkpoint import (UnsafeCheckpointError, load_local_checkpoint, load_run_checkpoint,
                         read_checkpoint, revised_state_dict, trusted_checkpoints)
from .mim_paths import enable_procd_mm_base_configs
from .precision import float32_region
from .log_filters import InitSummaryFilter, captured_warnings, quiet_init_summary
from .setup_env import register_all_modules
from .validation import check_weight

__all__ = [
    'UnsafeCheckpointError', 'load_local_checkpoint', 'load_run_checkpoint',
    'read_checkpoint', 'revised_state_dict', 'trusted_checkpoints',
    'enable_procd_mm_base_configs',
    'register_all_modules', 'float32_region', 'InitSummaryFilter', 'captured_warnings',
    'quiet_init_summary',
    'check_weight'
]
