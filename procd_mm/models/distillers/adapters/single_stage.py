# Copyright (c) procd_mm authors. All rights reserved.
"""mmdet ``SingleStageDetector`` students (RetinaNet, FCOS, ATSS, YOLOX, ...)."""
import copy
from typing import Dict, List, Sequence

import torch
from torch import Tensor

from .base import StudentAdapter, register_adapter, supported_students


def class_agnostic(data_samples: List) -> List:
    """Copies of the data samples with every label 0, as mmdet trains region proposals."""
    samples = copy.deepcopy(data_samples)
    for sample in samples:
        sample.gt_instances.labels = torch.zeros_like(sample.gt_instances.labels)
    return samples


class DetectorNeckCheck(StudentAdapter):
    """Detectors are augmented after their neck: a detector without one is refused."""

    def check(self) -> None:
        if not self.student.with_neck:
            raise TypeError(
                f'model.student ({type(self.student).__name__}) has no neck; ProC-KD augments '
                f'the neck outputs of detectors: add a neck (e.g. FPN). Supported are '
                f'{supported_students()}')


@register_adapter
class SingleStageAdapter(DetectorNeckCheck):
    """As ``SingleStageDetector.loss``: the bbox head's ``loss`` on the features."""

    family = 'mmdet SingleStageDetector with a neck'

    @staticmethod
    def base_class() -> type:
        from mmdet.models.detectors import SingleStageDetector
        return SingleStageDetector

    def losses(self, feats: Sequence[Tensor], data_samples: List,
               shared: Dict) -> Dict[str, Tensor]:
        return self.student.bbox_head.loss(tuple(feats), data_samples)
