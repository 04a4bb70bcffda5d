# Copyright (c) procd_mm authors. All rights reserved.
from .runner import ProCDRunner

__all__ = ['ProCDRunner']
