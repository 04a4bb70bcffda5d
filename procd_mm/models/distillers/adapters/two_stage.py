# Copyright (c) procd_mm authors. All rights reserved.
"""mmdet ``TwoStageDetector`` students (Faster/Mask/Cascade R-CNN, HTC, Sparse R-CNN, ...)."""
from functools import cached_property
from typing import Dict, List, Sequence

from mmengine.structures import InstanceData
from torch import Tensor

from .base import register_adapter
from .single_stage import DetectorNeckCheck, class_agnostic


@register_adapter
class TwoStageAdapter(DetectorNeckCheck):
    """As ``TwoStageDetector.loss``: ``rpn_head.loss_and_predict`` then ``roi_head.loss``,
    which absorbs every RoI-head variant (standard, cascade, HTC, sparse).

    The guided pass runs the RPN's ``loss`` (``loss_and_predict`` for heads that have no
    ``loss``, such as Sparse R-CNN's embedding head) and the RoI head's ``loss`` on the
    guided features, with the student pass's proposals as the RoI head's input.
    """

    family = 'mmdet TwoStageDetector with a neck'

    @staticmethod
    def base_class() -> type:
        from mmdet.models.detectors import TwoStageDetector
        return TwoStageDetector

    @cached_property
    def rpn_has_loss(self) -> bool:
        """The RPN head is a dense head (its ``loss`` takes features and samples)."""
        from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
        return isinstance(self.student.rpn_head, BaseDenseHead)

    def losses(self, feats: Sequence[Tensor], data_samples: List,
               shared: Dict) -> Dict[str, Tensor]:
        student, x = self.student, tuple(feats)
        losses = {}
        if student.with_rpn:
            if 'rpn_samples' not in shared:
                shared['rpn_samples'] = class_agnostic(data_samples)
            if 'proposals' not in shared or not self.rpn_has_loss:
                # the student pass, and heads outside BaseDenseHead (Sparse R-CNN's embedding
                # head has no loss): loss_and_predict; the first pass's proposals are kept
                proposal_cfg = student.train_cfg.get('rpn_proposal', student.test_cfg.rpn)
                rpn_losses, proposals = student.rpn_head.loss_and_predict(
                    x, shared['rpn_samples'], proposal_cfg=proposal_cfg)
                shared.setdefault('proposals', proposals)
            else:  # the guided pass of a dense RPN head: its loss alone
                rpn_losses = student.rpn_head.loss(x, shared['rpn_samples'])
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
