# Copyright (c) procd_mm authors. All rights reserved.
from .prototype_head import PrototypeHead

__all__ = ['PrototypeHead']
