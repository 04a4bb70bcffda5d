# Copyright (c) procd_mm authors. All rights reserved.
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .prototype_visualization_hook import PrototypeVisualizationHook

__all__ = ['NonFiniteLossError', 'NonFiniteLossHook', 'PrototypeVisualizationHook']
