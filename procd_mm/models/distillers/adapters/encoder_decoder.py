# Copyright (c) procd_mm authors. All rights reserved.
"""mmseg ``EncoderDecoder`` students, ``CascadeEncoderDecoder`` included."""
from typing import Dict, List, Sequence

import torch.nn as nn
from torch import Tensor

from .base import StudentAdapter, check_signature, register_adapter


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
        super().check()
        for name in ('_decode_head_forward_train', '_auxiliary_head_forward_train'):
            check_signature(self.student, name, ('inputs', 'data_samples'), 'mmseg')

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
