# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm: Prototype-guided Cross-task Knowledge Distillation for OpenMMLab."""
from .utils.mim_paths import enable_procd_mm_base_configs
from .version import __version__, version_info

enable_procd_mm_base_configs()

__all__ = ['__version__', 'version_info']
