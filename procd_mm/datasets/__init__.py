# Copyright (c) procd_mm authors. All rights reserved.
"""The synthetic cross-task benchmarks (ProC-Parts, ProC-Shapes) and their shared writer.

Each generator module has ``write_dataset(out, seed, counts)`` and ``COUNTS``; the command
lines are ``tools/dataset_converters/make_procd_*.py``.
"""
from .image_folder import IMG_EXTENSIONS, PackImageInputs, UnlabelledImageFolder

__all__ = ['IMG_EXTENSIONS', 'PackImageInputs', 'UnlabelledImageFolder']
