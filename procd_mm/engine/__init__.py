# Copyright (c) procd_mm authors. All rights reserved.
from .hooks import NonFiniteLossError, NonFiniteLossHook, PrototypeVisualizationHook
from .runner import ProCDRunner

__all__ = [
    'ProCDRunner', 'NonFiniteLossError', 'NonFiniteLossHook', 'PrototypeVisualizationHook'
]
