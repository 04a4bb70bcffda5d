# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm: Prototype-guided Cross-task Knowledge Distillation for OpenMMLab.

Importing the package changes nothing outside it. ``procd_mm.utils.register_all_modules()``
(the tools call it) registers the modules and lets configs inherit ``procd_mm::...`` bases.
"""
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
