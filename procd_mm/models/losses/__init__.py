# Copyright (c) procd_mm authors. All rights reserved.
from .distill_losses import FeatureMSELoss, PearsonFeatureLoss

__all__ = ['FeatureMSELoss', 'PearsonFeatureLoss']
