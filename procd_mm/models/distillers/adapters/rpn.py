# Copyright (c) procd_mm authors. All rights reserved.
"""mmdet ``RPN`` students: a region proposal network trained on its own."""
from typing import Dict, List, Sequence

from torch import Tensor

from .base import register_adapter
from .single_stage import DetectorNeckCheck, class_agnostic


@register_adapter
class RPNAdapter(DetectorNeckCheck):
    """As ``RPN.loss``: the RPN head's ``loss`` on class-agnostic copies of the data
    samples (made once per step, for both passes)."""

    family = 'mmdet RPN with a neck'

    @staticmethod
    def base_class() -> type:
        from mmdet.models.detectors import RPN
        return RPN

    def losses(self, feats: Sequence[Tensor], data_samples: List,
               shared: Dict) -> Dict[str, Tensor]:
        if 'rpn_samples' not in shared:
            shared['rpn_samples'] = class_agnostic(data_samples)
        return self.student.bbox_head.loss(tuple(feats), shared['rpn_samples'])
