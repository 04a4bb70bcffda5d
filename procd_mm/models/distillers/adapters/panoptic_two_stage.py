# Copyright (c) procd_mm authors. All rights reserved.
"""mmdet ``TwoStagePanopticSegmentor`` students (Panoptic FPN)."""
from typing import Dict, List, Sequence

from torch import Tensor

from .base import register_adapter
from .two_stage import TwoStageAdapter


@register_adapter
class PanopticTwoStageAdapter(TwoStageAdapter):
    """As ``TwoStagePanopticSegmentor.loss``: the two-stage losses, then the semantic
    head's ``loss`` on the same features."""

    family = 'mmdet TwoStagePanopticSegmentor with a neck'

    @staticmethod
    def base_class() -> type:
        from mmdet.models.detectors import TwoStagePanopticSegmentor
        return TwoStagePanopticSegmentor

    def losses(self, feats: Sequence[Tensor], data_samples: List,
               shared: Dict) -> Dict[str, Tensor]:
        losses = super().losses(feats, data_samples, shared)
        losses.update(self.student.semantic_head.loss(tuple(feats), data_samples))
        return losses
