# Copyright (c) procd_mm authors. All rights reserved.
from .cpu_dist import destroy_process_group, init_cpu_process_group
from .hooks import (BackboneExportHook, NonFiniteLossError, NonFiniteLossHook,
                    PrototypeVisualizationHook)
from .optim_wrappers import CPUAmpOptimWrapper
from .runner import ProCDRunner

__all__ = [
    'ProCDRunner', 'CPUAmpOptimWrapper', 'BackboneExportHook', 'NonFiniteLossError',
    'NonFiniteLossHook', 'PrototypeVisualizationHook', 'init_cpu_process_group',
    'destroy_process_group'
]
