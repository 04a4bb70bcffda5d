# Copyright (c) procd_mm authors. All rights reserved.
"""mmdet ``TwoStageDetector`` students (Faster/Mask/Cascade R-CNN, HTC, Sparse R-CNN, ...)."""
import copy
from typing import Dict, List, Sequence

import torch
from mmengine.structures import InstanceData
from torch import Tensor

from .base import register_adapter
from .single_stage import DetectorNeckCheck


@register_adapter
class TwoStageAdapter(DetectorNeckCheck):
    """As ``TwoStageDetector.loss``: ``rpn_head.loss_and_predict`` then ``roi_head.loss``,
    which absorbs every RoI-head variant (standard, cascade, HTC, sparse).

    The guided pass reuses the student pass's proposals (the RoI head's input) and runs
    the RPN's ``loss`` and the RoI head's ``loss`` on the guided features.
    """

    family = 'mmdet TwoStageDetector with a neck'

    @staticmethod
    def base_class() -> type:
        from mmdet.models.detectors import TwoStageDetector
        return TwoStageDetector

    @staticmethod
    def _class_agnostic(data_samples: List) -> List:
        """Copies of the data samples with every label 0, for the RPN (as mmdet does)."""
        samples = copy.deepcopy(data_samples)
        for sample in samples:
            sample.gt_instances.labels = torch.zeros_like(sample.gt_instances.labels)
        return samples

    def losses(self, feats: Sequence[Tensor], data_samples: List,
               shared: Dict) -> Dict[str, Tensor]:
        student, x = self.student, tuple(feats)
        losses = {}
        if student.with_rpn:
            if 'rpn_samples' not in shared:
                shared['rpn_samples'] = self._class_agnostic(data_samples)
            if 'proposals' in shared:  # the guided pass: proposals of the student pass
                rpn_losses = student.rpn_head.loss(x, shared['rpn_samples'])
            else:
                proposal_cfg = student.train_cfg.get('rpn_proposal', student.test_cfg.rpn)
                rpn_losses, shared['proposals'] = student.rpn_head.loss_and_predict(
                    x, shared['rpn_samples'], proposal_cfg=proposal_cfg)
            # mmdet's names: 'loss_cls' -> 'loss_rpn_cls' is the head's; others get 'rpn_'
            losses.update({k if 'loss' not in k or 'rpn' in k else f'rpn_{k}': v
                           for k, v in rpn_losses.items()})
        elif 'proposals' not in shared:
            shared['proposals'] = [s.proposals for s in data_samples]
        # roi_head.loss renames the proposals' fields in place: each pass gets its own
        # container of the same tensors (Sparse R-CNN's proposal features carry gradients)
        proposals = [InstanceData(metainfo=p.metainfo, **dict(p.items()))
                     for p in shared['proposals']]
        losses.update(student.roi_head.loss(x, proposals, data_samples))
        return losses
