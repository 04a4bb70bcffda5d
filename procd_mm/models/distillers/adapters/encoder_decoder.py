# Copyright (c) procd_mm authors. All rights reserved.
"""mmseg ``EncoderDecoder`` students, ``CascadeEncoderDecoder`` included."""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from ..batch_norm import batch_statistics_only
from .base import (StudentAdapter, StudentProbe, check_signature, register_adapter,
                   supported_students)


@register_adapter
class EncoderDecoderAdapter(StudentAdapter):
    """As ``EncoderDecoder.loss``: the decode head(s) and auxiliary head(s) on the features.

    The segmentor's own ``_decode_head_forward_train`` runs the decode heads (a cascade of
    them in ``CascadeEncoderDecoder``, which overrides it) and ``_auxiliary_head_forward_train``
    the auxiliary heads: mmseg has no public method that takes features, and these two are
    what its ``loss`` calls. Their signatures are checked at build. The decode heads' inputs
    are augmented (the levels they read at inference); the auxiliary heads, a training-time
    regulariser, run in the student pass only.
    """

    family = 'mmseg EncoderDecoder (CascadeEncoderDecoder included)'

    @staticmethod
    def base_class() -> type:
        from mmseg.models.segmentors import EncoderDecoder
        return EncoderDecoder

    def check(self) -> None:
        for name in ('_decode_head_forward_train', '_auxiliary_head_forward_train'):
            check_signature(self.student, name, ('inputs', 'data_samples'), 'mmseg')

    def _probe_at(self, size: Tuple[int, int]) -> StudentProbe:
        """The probe, and a check that the backbone gives the same levels in training
        (DDRNet and PIDNet add branches for training-only losses), run on two images without
        touching BatchNorm statistics."""
        probe = super()._probe_at(size)
        backbone = self.student.backbone
        backbone.train()
        with torch.no_grad(), batch_statistics_only(backbone):
            feats = backbone(torch.zeros(2, 3, *size))
        count = len(feats) if isinstance(feats, (list, tuple)) else 1
        if count != len(probe.backbone):
            raise TypeError(
                f'model.student ({type(self.student).__name__}): its backbone '
                f'({type(backbone).__name__}) gives {count} levels in training and '
                f'{len(probe.backbone)} at inference; ProC-KD augments the same levels in '
                f'both. Supported are {supported_students()} whose backbone gives the same '
                'levels in training and at inference')
        return probe

    def feature_levels(self, num_levels: int) -> List[int]:
        levels = set()
        head = self.student.decode_head
        for h in (head if isinstance(head, nn.ModuleList) else [head]):
            index = getattr(h, 'in_index', None)
            if index is None:
                return list(range(num_levels))
            index = index if isinstance(index, (list, tuple)) else [index]
            levels.update(i % num_levels for i in index)
        return sorted(levels)

    def guided_losses(self, feats: Sequence[Tensor], data_samples: List,
                      shared: Dict) -> Dict[str, Tensor]:
        return self.student._decode_head_forward_train(list(feats), data_samples)

    def losses(self, feats: Sequence[Tensor], data_samples: List,
               shared: Dict) -> Dict[str, Tensor]:
        losses = self.guided_losses(feats, data_samples, shared)
        if self.student.with_auxiliary_head:
            losses.update(self.student._auxiliary_head_forward_train(list(feats), data_samples))
        return losses
