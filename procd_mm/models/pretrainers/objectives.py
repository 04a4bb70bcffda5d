# Copyright (c) procd_mm authors. All rights reserved.
"""Dense objectives of label-free backbone distillation: student levels, each through a
projector it trains, against teacher maps on one grid.

Every objective is built by :class:`BackboneDistiller` with the channels of the chosen
student and teacher levels (``student_channels``, ``teacher_channels``); the config gives
only its own options. The projectors exist only while distilling: the exported backbone
checkpoint holds the student's backbone alone.

Which objective follows whom (the choices we made where the sources leave them open are
ours, and said so in each docstring):

- :class:`PKDObjective`: PKD (Cao et al., 2022), 1x1 connector, per-channel Pearson.
- :class:`CosineSmoothL1Objective`: as RADIO (Ranzinger et al., 2024) matches a student's
  patch features to each teacher's: an MLP projector, cosine + smooth-L1.
- :class:`MLPMSEObjective`: as LightlyTrain's ``distillationv2``: an MLP head on the
  student's last level, MSE against the teacher's last blocks.
- :class:`PatchSimilarityKLObjective`: a local patch-similarity KL in the spirit of
  LightlyTrain's ``distillationv3`` (as the issue describes it; the exact published loss
  is not reproduced): each location's similarity distribution over its neighbours.
"""
from typing import Dict, List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from procd_mm.models.heads import PrototypeHead
from procd_mm.models.losses import PearsonFeatureLoss
from procd_mm.registry import MODELS
from procd_mm.utils.precision import float32_region
from procd_mm.utils.validation import check_weight


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of each location of a (B, C, H, W) map.

    Args:
        channels (int): C.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def mlp_projector(in_channels: int, out_channels: int, hidden_channels: int) -> nn.Module:
    """1x1 conv, channel LayerNorm, GELU, 1x1 conv: RADIO's and LightlyTrain's projector
    shape (a per-location two-layer MLP)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, hidden_channels, 1), ChannelLayerNorm(hidden_channels),
        nn.GELU(), nn.Conv2d(hidden_channels, out_channels, 1))


def resize(x: Tensor, size: Sequence[int]) -> Tensor:
    """Bilinear resize to ``size``, antialiased when shrinking (a stride-16 teacher map onto
    a stride-32 student level averages, not samples, its cells)."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    shrink = x.shape[-2] > size[0] or x.shape[-1] > size[1]
    return F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=False,
                         antialias=shrink)


class DenseObjective(BaseModule):
    """Base: student level i against teacher level i, each through its own projector.

    Args:
        student_channels (Sequence[int]): Channels of the chosen student levels (given by
            the distiller).
        teacher_channels (Sequence[int]): Channels of the chosen teacher levels (given by
            the distiller).
        grid (str): ``'student'``: teacher maps are resized to each student level (the
            projector runs on the student's grid). ``'teacher'``: the projected student
            maps are upsampled to the teacher's grid (as RADIO). Defaults to ``'student'``.
        loss_weight (float): Weight of the whole objective. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config of the projectors.
    """

    def __init__(self,
                 student_channels: Sequence[int],
                 teacher_channels: Sequence[int],
                 grid: str = 'student',
                 loss_weight: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if grid not in ('student', 'teacher'):
            raise ValueError(f"model.objective.grid must be 'student' or 'teacher', got {grid!r}")
        self.grid = grid
        self.loss_weight = check_weight(loss_weight, 'model.objective.loss_weight')
        pairs = self.pair_channels(list(student_channels), list(teacher_channels))
        if not pairs:
            raise ValueError(f'model.objective ({name}): no (student, teacher) level pairs')
        self.projectors = nn.ModuleList([self.projector(s, t) for s, t in pairs])

    def pair_channels(self, student: List[int], teacher: List[int]) -> List[tuple]:
        """(student channels, teacher channels) of each compared pair; one to one here."""
        if len(student) != len(teacher):
            raise ValueError(
                f'model.objective ({type(self).__name__}) compares student and teacher '
                'levels one to one: '
                f'model.student_levels gives {len(student)} levels and model.teacher_levels '
                f'{len(teacher)}')
        return list(zip(student, teacher))

    def projector(self, in_channels: int, out_channels: int) -> nn.Module:
        """The projector of one pair: a 1x1 convolution here."""
        return nn.Conv2d(in_channels, out_channels, 1)

    def targets(self, teacher: List[Tensor]) -> List[Tensor]:
        """The teacher maps compared, one per pair: as given here."""
        return teacher

    def inputs(self, student: List[Tensor]) -> List[Tensor]:
        """The student maps projected, one per pair: as given here."""
        return student

    def pair_losses(self, pred: Tensor, target: Tensor) -> Dict[str, Tensor]:
        """The named losses of one pair (float32 maps of one shape)."""
        raise NotImplementedError

    def forward(self, student: List[Tensor], teacher: List[Tensor]) -> Dict[str, Tensor]:
        """Args:
            student (list[Tensor]): The chosen student levels, each (B, C_s, H, W).
            teacher (list[Tensor]): The chosen teacher levels, each (B, C_t, H_t, W_t).

        Returns:
            dict[str, Tensor]: Each named loss, mean over pairs, times ``loss_weight``.
        """
        totals: Dict[str, Tensor] = {}
        pairs = list(zip(self.projectors, self.inputs(student), self.targets(teacher)))
        for proj, s, t in pairs:
            pred = proj(s)
            if self.grid == 'student':
                t = resize(t, pred.shape[-2:])
            else:
                pred = F.interpolate(pred, size=t.shape[-2:], mode='bilinear',
                                     align_corners=False)
            with float32_region(pred):
                for k, v in self.pair_losses(pred.float(), t.detach().float()).items():
                    totals[k] = totals[k] + v if k in totals else v
        return {k: v * (self.loss_weight / len(pairs)) for k, v in totals.items()}


@MODELS.register_module()
class PKDObjective(DenseObjective):
    """PKD (Cao et al., 2022) on backbone levels: a 1x1 connector per pair and one minus the
    per-channel Pearson correlation (``PearsonFeatureLoss``), as the zoo's
    distill-then-fine-tune has always used.

    Args:
        student_channels (Sequence[int]): Given by the distiller.
        teacher_channels (Sequence[int]): Given by the distiller.
        **kwargs: ``grid``, ``loss_weight``, ``init_cfg`` of :class:`DenseObjective`.
    """

    def __init__(self, student_channels: Sequence[int], teacher_channels: Sequence[int],
                 **kwargs) -> None:
        super().__init__(student_channels, teacher_channels, **kwargs)
        self.pearson = PearsonFeatureLoss()

    def pair_losses(self, pred: Tensor, target: Tensor) -> Dict[str, Tensor]:
        return dict(loss_pkd=self.pearson.level_loss(pred, target))


@MODELS.register_module()
class CosineSmoothL1Objective(DenseObjective):
    """RADIO-style feature matching: an MLP projector per pair, then
    ``cos_weight * (1 - cos) + smooth_l1_weight * SmoothL1`` per location.

    RADIO weights the two terms 0.9 / 0.1; the defaults follow it. The hidden width (the
    teacher's) and the smooth-L1 ``beta`` are ours.

    Args:
        student_channels (Sequence[int]): Given by the distiller.
        teacher_channels (Sequence[int]): Given by the distiller.
        cos_weight (float): Weight of the cosine term. Defaults to 0.9.
        smooth_l1_weight (float): Weight of the smooth-L1 term. Defaults to 0.1.
        beta (float): Smooth-L1 threshold. Defaults to 1.0.
        **kwargs: ``grid``, ``loss_weight``, ``init_cfg`` of :class:`DenseObjective`.
    """

    def __init__(self,
                 student_channels: Sequence[int],
                 teacher_channels: Sequence[int],
                 cos_weight: float = 0.9,
                 smooth_l1_weight: float = 0.1,
                 beta: float = 1.0,
                 **kwargs) -> None:
        super().__init__(student_channels, teacher_channels, **kwargs)
        self.cos_weight = check_weight(cos_weight, 'model.objective.cos_weight')
        self.smooth_l1_weight = check_weight(smooth_l1_weight,
                                             'model.objective.smooth_l1_weight')
        if not beta > 0:
            raise ValueError(f'model.objective.beta must be positive, got {beta!r}')
        self.beta = beta

    def projector(self, in_channels: int, out_channels: int) -> nn.Module:
        return mlp_projector(in_channels, out_channels, out_channels)

    def pair_losses(self, pred: Tensor, target: Tensor) -> Dict[str, Tensor]:
        cos = F.cosine_similarity(pred, target, dim=1)
        return dict(loss_cos=self.cos_weight * (1 - cos).mean(),
                    loss_smooth_l1=self.smooth_l1_weight *
                    F.smooth_l1_loss(pred, target, beta=self.beta))


@MODELS.register_module()
class MLPMSEObjective(DenseObjective):
    """LightlyTrain ``distillationv2``-style: the student's last chosen level through an MLP
    head, MSE against the mean of the chosen teacher levels (the teacher's last blocks).

    The teacher maps are standardised per location over channels (LayerNorm without affine)
    so the MSE does not depend on the teacher's feature scale; that normalisation is ours.

    Args:
        student_channels (Sequence[int]): Given by the distiller; the last is used.
        teacher_channels (Sequence[int]): Given by the distiller; all must be equal (they
            are averaged).
        normalize_target (bool): Standardise the teacher target per location. Defaults to
            True.
        **kwargs: ``grid``, ``loss_weight``, ``init_cfg`` of :class:`DenseObjective`.
    """

    def __init__(self,
                 student_channels: Sequence[int],
                 teacher_channels: Sequence[int],
                 normalize_target: bool = True,
                 **kwargs) -> None:
        super().__init__(student_channels, teacher_channels, **kwargs)
        self.normalize_target = normalize_target

    def pair_channels(self, student: List[int], teacher: List[int]) -> List[tuple]:
        if len(set(teacher)) != 1:
            raise ValueError('model.objective (MLPMSEObjective) averages the chosen teacher '
                             'levels, which must have one width; model.teacher_levels gives '
                             f'widths {teacher}')
        return [(student[-1], teacher[0])]

    def projector(self, in_channels: int, out_channels: int) -> nn.Module:
        return mlp_projector(in_channels, out_channels, out_channels)

    def inputs(self, student: List[Tensor]) -> List[Tensor]:
        return [student[-1]]

    def targets(self, teacher: List[Tensor]) -> List[Tensor]:
        size = teacher[-1].shape[-2:]
        target = torch.stack([resize(t, size) for t in teacher]).mean(0)
        if self.normalize_target:
            target = F.layer_norm(target.permute(0, 2, 3, 1), target.shape[1:2])
            target = target.permute(0, 3, 1, 2)
        return [target]

    def pair_losses(self, pred: Tensor, target: Tensor) -> Dict[str, Tensor]:
        return dict(loss_mse=F.mse_loss(pred, target))


@MODELS.register_module()
class PatchSimilarityKLObjective(DenseObjective):
    """Local patch-similarity KL: at every location, the softmax over its ``window`` x
    ``window`` neighbourhood of cosine similarities / ``temperature``, the student's
    (projected) against the teacher's, KL(teacher || student).

    Only the similarity structure is matched, not the features; positions outside the map
    are left out of the softmax. The window, temperature and MLP projector are ours.

    Args:
        student_channels (Sequence[int]): Given by the distiller.
        teacher_channels (Sequence[int]): Given by the distiller.
        window (int): Odd side of the neighbourhood. Defaults to 7.
        temperature (float): Softmax temperature of both. Defaults to 0.1.
        **kwargs: ``grid``, ``loss_weight``, ``init_cfg`` of :class:`DenseObjective`.
    """

    def __init__(self,
                 student_channels: Sequence[int],
                 teacher_channels: Sequence[int],
                 window: int = 7,
                 temperature: float = 0.1,
                 **kwargs) -> None:
        if not (isinstance(window, int) and window >= 3 and window % 2 == 1):
            raise ValueError(f'model.objective.window must be an odd int >= 3, got {window!r}')
        if not temperature > 0:
            raise ValueError(f'model.objective.temperature must be positive, got {temperature!r}')
        super().__init__(student_channels, teacher_channels, **kwargs)
        self.window, self.temperature = window, float(temperature)

    def projector(self, in_channels: int, out_channels: int) -> nn.Module:
        return mlp_projector(in_channels, out_channels, out_channels)

    def _log_probs(self, x: Tensor) -> Tensor:
        """(B, H*W, window^2) log-softmax of each location's neighbour similarities."""
        b, c, h, w = x.shape
        x = F.normalize(x, dim=1)
        pad = self.window // 2
        neigh = F.unfold(x, self.window, padding=pad).view(b, c, -1, h * w)
        sim = (x.flatten(2).unsqueeze(2) * neigh).sum(1).transpose(1, 2) / self.temperature
        inside = F.unfold(x.new_ones(1, 1, h, w), self.window, padding=pad)  # 1, win^2, HW
        sim = sim.masked_fill(inside.transpose(1, 2) == 0, float('-inf'))
        return sim.log_softmax(-1)

    def pair_losses(self, pred: Tensor, target: Tensor) -> Dict[str, Tensor]:
        log_s, log_t = self._log_probs(pred), self._log_probs(target)
        inside = torch.isfinite(log_t)
        kl = torch.where(inside, log_t.exp() * (log_t - log_s), torch.zeros_like(log_t))
        return dict(loss_patch_kl=kl.sum(-1).mean())


def balanced_codes(assignment: Tensor, iters: int = 3) -> Tensor:
    """Sinkhorn-Knopp balancing of soft assignments (as SwAV's codes): every prototype gets
    an equal share of the batch's locations, every location sums to 1.

    Args:
        assignment (Tensor): (B, K, H, W) soft assignments, detached.
        iters (int): Alternating normalisations. Defaults to 3.

    Returns:
        Tensor: Codes of the same shape.
    """
    b, k, h, w = assignment.shape
    q = assignment.permute(1, 0, 2, 3).reshape(k, -1).float() + 1e-8  # K, N
    n = q.shape[1]
    for _ in range(iters):
        q = q / (q.sum(dim=1, keepdim=True) * k)
        q = q / (q.sum(dim=0, keepdim=True) * n)
    q = q * n
    return q.view(k, b, h, w).permute(1, 0, 2, 3)


@MODELS.register_module()
class PrototypeStructureObjective(BaseModule):
    """The student's local features learn the teacher's prototype structure (ours, not the
    paper's: the paper distils with prototypes during task training, not before it).

    The paper's prototype learning module (:class:`~procd_mm.models.heads.PrototypeHead`)
    fuses the chosen teacher levels and softly assigns every location to ``K`` prototypes.
    Without labels nothing trains its NetVLAD descriptor, so only its fusion and assignment
    are used (the descriptor and refinement layers are frozen). The teacher's assignments,
    balanced over the batch with Sinkhorn-Knopp (SwAV's codes, which keeps the prototypes
    from collapsing), are the targets of two cross-entropies: the teacher's own assignment
    (the prototypes learn to cluster the teacher's features) and the student's, the same
    assignment layer applied to the student's level ``grid_level`` through an MLP projector
    (the student learns which prototype each of its locations belongs to).

    Args:
        student_channels (Sequence[int]): Given by the distiller.
        teacher_channels (Sequence[int]): Given by the distiller; all chosen levels are fused.
        channels (int): Prototype width ``D``. Defaults to 64.
        num_prototypes (int): ``K``. Defaults to 32.
        assign_temperature (float): Of the assignment softmax. Defaults to 0.1.
        grid_level (int): The teacher level whose grid the maps are fused on, and the student
            level compared there. Defaults to 0.
        sinkhorn_iters (int): Balancing iterations. Defaults to 3.
        loss_weight (float): Weight of both terms. Defaults to 1.0.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 student_channels: Sequence[int],
                 teacher_channels: Sequence[int],
                 channels: int = 64,
                 num_prototypes: int = 32,
                 assign_temperature: float = 0.1,
                 grid_level: int = 0,
                 sinkhorn_iters: int = 3,
                 loss_weight: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(student_channels) != len(teacher_channels):
            raise ValueError('model.objective (PrototypeStructureObjective) pairs student and '
                             f'teacher levels: model.student_levels gives '
                             f'{len(student_channels)} and model.teacher_levels '
                             f'{len(teacher_channels)}')
        self.loss_weight = check_weight(loss_weight, 'model.objective.loss_weight')
        self.grid_level, self.sinkhorn_iters = grid_level, sinkhorn_iters
        self.proto_head = PrototypeHead(teacher_channels, channels, num_prototypes, grid_level,
                                        assign_temperature)
        # random unit prototypes start the assignment; the assignment layer then holds them
        self.proto_head.init_assignment(F.normalize(torch.randn(num_prototypes, channels), dim=1))
        for unused in (self.proto_head.descriptor, self.proto_head.refine):
            unused.requires_grad_(False)
        self.projector = mlp_projector(student_channels[grid_level], channels, channels)

    def _student_log_assignment(self, feat: Tensor) -> Tensor:
        """Log soft assignment of the projected student map, as the teacher's is made."""
        head = self.proto_head
        return (head.assign(head.normalized(feat)) / head.assign_temperature).log_softmax(1)

    def forward(self, student: List[Tensor], teacher: List[Tensor]) -> Dict[str, Tensor]:
        """Returns:
            dict[str, Tensor]: ``loss_proto_teacher``, ``loss_proto_student`` and the
            prototype health measures ``proto.*`` (logged, not losses).
        """
        # B, K, H, W on the teacher's grid level; the frozen descriptor does not run
        assignment = self.proto_head.soft_assignment(teacher)
        feat = self.projector(student[self.grid_level])
        feat = resize(feat, assignment.shape[-2:])
        with float32_region(feat):
            codes = balanced_codes(assignment.detach(), self.sinkhorn_iters)
            log_t = assignment.float().clamp_min(1e-12).log()
            log_s = self._student_log_assignment(feat)
            losses = dict(loss_proto_teacher=-(codes * log_t).sum(1).mean(),
                          loss_proto_student=-(codes * log_s).sum(1).mean())
        losses = {k: v * self.loss_weight for k, v in losses.items()}
        losses.update(self.proto_head.health(assignment))
        return losses
