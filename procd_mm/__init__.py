# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm: Prototype-guided Cross-task Knowledge Distillation for OpenMMLab."""
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
