# Copyright (c) procd_mm authors. All rights reserved.
"""What the tools share: run configs from their flags, data checks, the runner, and the
measuring tools' offline models, batches and train steps."""
from .bench_setup import (add_bench_arguments, amp_dtype, build_model,
                          check_bench_arguments, load_bench_config, make_batch, train_step_fn)
from .data_paths import check_data_paths, dataset_paths
from .run_config import (RunConfigError, enable_amp, enable_auto_scale_lr, load_run_config,
                         set_resume)
from .runner import build_runner

__all__ = [
    'RunConfigError', 'load_run_config', 'enable_amp', 'set_resume', 'enable_auto_scale_lr',
    'check_data_paths', 'dataset_paths', 'build_runner', 'load_bench_config', 'build_model',
    'make_batch', 'amp_dtype', 'train_step_fn', 'add_bench_arguments', 'check_bench_arguments'
]
