# Copyright (c) procd_mm authors. All rights reserved.
"""Where the guided pass enters the student: one small strategy each (``model.guided_input``).

Both return the inputs of the augmentation neck for the guided pass, shaped as the
student's own (``base``), from the prototype-enhanced teacher maps at the augmented levels'
sizes (``enhanced``, from :class:`PrototypeHead`). Our adaptation to dense students: the
authors' teacher branch has no student levels to enter.
"""
import math
from typing import Callable, List, Sequence

from mmengine.model import BaseModule
from torch import Tensor

from procd_mm.models.necks.feature_aligner import FeatureAligner


def match_levels(student_strides: Sequence[int], teacher_strides: Sequence[int]) -> List[int]:
    """For each student level, the teacher level nearest in stride (on a log scale).

    Among teacher levels equally near (a ViT's layers share one stride) the student levels
    are spread in order: the i-th of n takes the candidate at ``round(i (m - 1) / (n - 1))``.
    Equal counts of levels with equal strides thus match one to one, in order.

    Args:
        student_strides (Sequence[int]): Strides of the student levels, in order.
        teacher_strides (Sequence[int]): Strides of the teacher levels, in order.

    Returns:
        list[int]: A teacher level index per student level.
    """
    n = len(student_strides)
    out = []
    for i, s in enumerate(student_strides):
        gaps = [abs(math.log2(t / s)) for t in teacher_strides]
        nearest = [j for j, g in enumerate(gaps) if g <= min(gaps) + 1e-6]
        out.append(nearest[round(i * (len(nearest) - 1) / max(n - 1, 1))])
    return out


class AugGuidedInput(BaseModule):
    """``guided_input='aug'``: the aligned enhanced teacher maps replace the augmented
    levels (the authors' teacher branch, per student level).

    Args:
        proto_channels (int): Width ``D`` of the enhanced teacher maps.
        aug_levels (Sequence[int]): The augmented student levels.
        aug_channels (Sequence[int]): Their channels.
        residual (bool): Add the detached student level: the teacher path learns what to
            add to the student's own level, and the feature loss teaches the student to
            produce it without the teacher (``guided_residual``, ours).
    """

    def __init__(self, proto_channels: int, aug_levels: Sequence[int],
                 aug_channels: Sequence[int], residual: bool) -> None:
        super().__init__()
        self.aug_levels = list(aug_levels)
        self.residual = residual
        self.aligner = FeatureAligner(proto_channels, list(aug_channels))

    def _add_enhanced(self, out: List[Tensor], base: Sequence[Tensor],
                      enhanced: Sequence[Tensor], replace: bool) -> List[Tensor]:
        for i, lvl in enumerate(self.aug_levels):
            aligned = self.aligner(enhanced[i], out[lvl], i)
            out[lvl] = aligned if replace else out[lvl] + aligned
            if self.residual:
                out[lvl] = out[lvl] + base[lvl].detach()
        return out

    def forward(self, base: Sequence[Tensor], backbone: Sequence[Tensor],
                teacher: Sequence[Tensor], enhanced: Sequence[Tensor]) -> List[Tensor]:
        """The guided inputs of the augmentation neck.

        Args:
            base (Sequence[Tensor]): The student's neck outputs, each (B, C_l, H_l, W_l).
            backbone (Sequence[Tensor]): The student's backbone levels (unused here).
            teacher (Sequence[Tensor]): The teacher maps (unused here).
            enhanced (Sequence[Tensor]): One enhanced teacher map (B, D, H_l, W_l) per
                augmented level.

        Returns:
            list[Tensor]: Levels shaped as ``base``.
        """
        return self._add_enhanced(list(base), base, enhanced, replace=True)


class BackboneGuidedInput(AugGuidedInput):
    """``guided_input='backbone'`` (ours): each backbone level the student's neck reads is
    replaced by a 1x1 projection of the teacher level nearest in stride
    (:func:`match_levels`), the student's own neck runs on them, and the aligned enhanced
    maps are added to its outputs at the augmented levels. The neck and heads thus learn to
    read the teacher's whole representation, not only its ``D``-channel summary.

    Args:
        neck (Callable): The student's neck before the augmentation neck (backbone levels
            in, levels out).
        read_levels (Sequence[int]): The backbone levels the neck reads.
        read_channels (Sequence[int]): Their channels.
        teacher_channels (Sequence[int]): Channels of each teacher level.
        matched (Sequence[int]): The teacher level for each read level.
        **kwargs: The arguments of :class:`AugGuidedInput`.
    """

    def __init__(self, neck: Callable, read_levels: Sequence[int],
                 read_channels: Sequence[int], teacher_channels: Sequence[int],
                 matched: Sequence[int], **kwargs) -> None:
        super().__init__(**kwargs)
        self._neck = [neck]  # a list: the student's neck is not this module's child
        self.read_levels = list(read_levels)
        self.matched = list(matched)
        self.teacher_proj = FeatureAligner([teacher_channels[j] for j in self.matched],
                                           list(read_channels))

    def forward(self, base: Sequence[Tensor], backbone: Sequence[Tensor],
                teacher: Sequence[Tensor], enhanced: Sequence[Tensor]) -> List[Tensor]:
        src = [lvl.detach() for lvl in backbone]  # levels the neck does not read
        for i, (lvl, j) in enumerate(zip(self.read_levels, self.matched)):
            src[lvl] = self.teacher_proj(teacher[j], backbone[lvl], i)
        return self._add_enhanced(list(self._neck[0](src)), base, enhanced, replace=False)


GUIDED_INPUTS = ('aug', 'backbone')


def check_guided_input(name: str) -> str:
    """``name`` if it is one of :data:`GUIDED_INPUTS`, else a ``ValueError`` naming them."""
    if name not in GUIDED_INPUTS:
        raise ValueError(f'model.guided_input must be one of {GUIDED_INPUTS}, got {name!r}')
    return name

