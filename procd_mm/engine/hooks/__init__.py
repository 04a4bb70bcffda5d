# Copyright (c) procd_mm authors. All rights reserved.
from .backbone_export_hook import BackboneExportHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .prototype_visualization_hook import PrototypeVisualizationHook

__all__ = ['BackboneExportHook', 'NonFiniteLossError', 'NonFiniteLossHook', 'PrototypeVisualizationHook']
