# Copyright (c) procd_mm authors. All rights reserved.
import math
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.logging import MMLogger
from torch import Tensor

from procd_mm.models.necks.proto_aug_neck import ProtoAugNeck
from procd_mm.registry import MODELS
from procd_mm.utils.validation import check_weight
from .base_distiller import TeacherStudentDistiller
from .builders import build_module, eval_mode
from .joint_heads import join_blocker, joint_head_losses
from .student_adapters import add_prefix, batch_statistics_only, scale_losses


@MODELS.register_module()
class ProCDistiller(TeacherStudentDistiller):
    """Prototype-guided cross-task knowledge distillation (ProC-KD) for dense prediction.

    One step (see ``DESIGN.md``)::

        teacher (frozen) -> T_1..T_L -> PrototypeHead -> P_t (B, D, h, w), prototypes C (K, D)
        student backbone/neck -> S_l -> ProtoAugNeck(S_l; C) -> student heads -> student.*
        guided:  ProtoAugNeck(align_l(P_t) + S_l.detach(); C) -> G_l -> the same student
                 heads -> guided.*
        distill: loss_feat(S_l, G_l.detach()) -> distill.loss_feat

    Where the heads allow it, the student and guided passes run as one batch of 2B images
    (``joint_heads``, ``joint_heads.py``); otherwise the guided pass reuses the student
    pass's proposals, RoI sampling and dense-head targets (``student_adapters``). An
    augmentation neck is appended to the student when its config has none; channels, levels
    and strides of both models are found by a dummy forward at build time, so any supported
    student config works unchanged.

    Args:
        student (dict): A complete mmdet detector or mmseg segmentor config.
        teacher (dict): The teacher backbone config (see :class:`TeacherStudentDistiller`).
        teacher_ckpt (str, optional): Path or URL of the teacher weights.
        proto_head (dict): Options of :class:`PrototypeHead` (``channels``,
            ``num_prototypes``, ``grid_level``); ``in_channels`` is filled in.
        aug_neck (dict): Options of :class:`ProtoAugNeck`; ``in_channels``, ``levels``,
            ``proto_channels`` and ``num_prototypes`` are filled in.
        guided (bool): Run the guided pass (guided losses and the distillation losses).
            False is the no-teacher control: the student with the augmentation neck, whose
            prototypes (``proto_head.prototypes``) are trained by the student's task
            losses alone; the teacher is built but never run, and the prototype head's
            other layers are frozen (nothing would train them). It measures what the
            neck's extra capacity gives without the teacher's knowledge. Defaults to True.
        guided_roi_neg_fraction (float): Two-stage detectors: the guided pass runs the RoI
            head on all sampled positives and this fraction of the sampled negatives
            (our choice, for speed: the guided losses train the prototype path, and the
            RoI head's negatives are most of its cost). Defaults to 0.25.
        per_level_guided (bool): Fuse the teacher levels and enhance them with the
            prototypes' descriptor on each augmented student level's own grid (our
            adaptation to multi-scale students). False resizes the one map of the grid
            level to every student level. Defaults to True.
        guided_residual (bool): The guided pass reads ``align_l(P_t) + S_l.detach()``: the
            teacher path learns what to *add* to the student's own level, and the feature
            loss then teaches the student to produce it without the teacher. False reads
            ``align_l(P_t)`` alone, which in the zoo (RetinaNet-R18, ProC-Parts) left the
            guided features weaker than the student's and the student behind the plain
            one (``docs/model_zoo.md``). Our choice; defaults to True.
        guided_input (str): Where the guided pass enters the student. ``'aug'``: the aligned
            teacher maps replace the inputs of the augmentation neck (the neck outputs).
            ``'backbone'``: each raw teacher level is projected (1x1) onto one backbone
            level that the student's neck reads (one to one, in order; without a neck, onto
            the levels the heads read), the student's own neck runs on them, and the aligned
            prototype-enhanced maps are added to its outputs. The student's neck and heads
            thus also learn to read the teacher's whole representation, not only its
            ``D``-channel prototype summary, and the feature loss teaches the student's
            levels what it adds. Our variant; the zoo's detection default
            (``docs/model_zoo_notes.md``). Defaults to ``'aug'``.
        joint_heads (bool): Run the student's heads once on the student and guided
            features concatenated on the batch axis (2B images) instead of twice: the same
            losses (``joint.*`` = student + guided task losses; see ``joint_heads.py``)
            with half the operator launches. Used where the heads allow it and
            ``student_weight == guided_weight``; otherwise, and with False, the two passes
            run separately and log ``student.*`` and ``guided.*``. Defaults to True.
        student_weight (float): Weight of the student's task losses. Defaults to 1.0.
        guided_weight (float): Weight of the guided task losses. Defaults to 1.0.
        loss_feat (dict, optional): Feature loss between augmented student levels and the
            detached guided levels. Defaults to ``FeatureMSELoss(normalize=True)``
            (scale-free: the raw MSE of FPN-scale features outweighs the task losses).
        **kwargs: ``teacher_levels``, ``teacher_amp``, ``teacher_amp_dtype``,
            ``teacher_input``, ``teacher_ckpt_strict``, ``init_cfg`` of
            :class:`TeacherStudentDistiller`.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 teacher_ckpt: Optional[str] = None,
                 proto_head: Optional[dict] = None,
                 aug_neck: Optional[dict] = None,
                 guided: bool = True,
                 guided_roi_neg_fraction: float = 0.25,
                 per_level_guided: bool = True,
                 guided_residual: bool = True,
                 guided_input: str = 'aug',
                 joint_heads: bool = True,
                 student_weight: float = 1.0,
                 guided_weight: float = 1.0,
                 loss_feat: Optional[dict] = dict(
                     type='FeatureMSELoss', loss_weight=1.0, normalize=True),
                 **kwargs) -> None:
        self.check_options(kwargs)
        super().__init__(student, teacher, teacher_ckpt, **kwargs)
        self.guided = guided
        self.per_level_guided = per_level_guided
        self.guided_residual = guided_residual
        if guided_input not in ('aug', 'backbone'):
            raise ValueError("model.guided_input must be 'aug' or 'backbone', got "
                             f'{guided_input!r}')
        self.guided_input = guided_input
        self.guided_roi_neg_fraction = check_weight(guided_roi_neg_fraction,
                                                    'model.guided_roi_neg_fraction')
        if not 0 < self.guided_roi_neg_fraction <= 1:
            raise ValueError('model.guided_roi_neg_fraction must be in (0, 1], got '
                             f'{guided_roi_neg_fraction!r}')
        self.student_weight = check_weight(student_weight, 'model.student_weight')
        self.guided_weight = check_weight(guided_weight, 'model.guided_weight')

        head_cfg = dict(type='PrototypeHead', **(proto_head or {}))
        head_cfg.pop('in_channels', None)
        self.proto_head = build_module(
            dict(head_cfg, in_channels=self.teacher_channels), 'model.proto_head')
        num_protos, width = self.proto_head.num_prototypes, self.proto_head.channels
        if not guided:  # only the prototypes are used (by the aug. neck); frozen, the rest
            self.proto_head.requires_grad_(False)  # stays out of DDP's gradient reduction
            self.proto_head.prototypes.requires_grad_(True)

        neck = self.adapter.aug_neck
        if neck is None:
            neck_cfg = dict(type='ProtoAugNeck', **(aug_neck or {}))
            neck_cfg.update(
                in_channels=self.student_channels,
                levels=self.student_levels,
                proto_channels=width,
                num_prototypes=num_protos)
            neck = build_module(neck_cfg, 'model.aug_neck')
            self.adapter.append_aug_neck(neck)
        elif neck.prototypes.shape != (num_protos, width):
            raise ValueError(
                f'the ProtoAugNeck in model.student.neck holds prototypes of shape '
                f'{tuple(neck.prototypes.shape)}, but model.proto_head makes '
                f'({num_protos}, {width}): make num_prototypes/proto_channels agree')
        self.aug_levels = list(neck.levels)
        self.neck_levels = None
        self.teacher_proj = None
        align_channels = [self.student_channels[i] for i in self.aug_levels]
        if guided_input == 'backbone' and guided:
            self._build_teacher_projections()
        # Built only with the guided pass: unused parameters would break DDP.
        self.aligner = build_module(
            dict(type='FeatureAligner', in_channels=width, out_channels=align_channels)) \
            if guided else None
        self.loss_feat = build_module(loss_feat, 'model.loss_feat') if loss_feat else None
        self.joint_heads = False
        if guided and joint_heads:
            blocker = join_blocker(self.adapter) if self.student_weight == self.guided_weight \
                else 'student_weight != guided_weight'
            self.joint_heads = blocker is None
            if blocker:
                MMLogger.get_current_instance().info(
                    f'ProCDistiller: the student and guided passes run separately: {blocker}')

    def _build_teacher_projections(self) -> None:
        """``guided_input='backbone'``: one 1x1 projection per teacher level onto the
        backbone level the student's neck (or heads) reads."""
        if self.adapter.pre_neck is not None:
            self.neck_levels, read_channels = eval_mode(self.student)(self._neck_input_levels)
        else:
            self.neck_levels = list(self.aug_levels)
            read_channels = [self.student_channels[i] for i in self.aug_levels]
        if len(self.teacher_channels) != len(self.neck_levels):
            reader = 'the neck' if self.adapter.pre_neck is not None else 'the heads'
            raise ValueError(
                f"model.guided_input='backbone' maps teacher levels one to one onto the "
                f'{len(self.neck_levels)} student levels {self.neck_levels} that {reader} '
                f'read, but model.teacher_levels gives {len(self.teacher_channels)}: set '
                f'model.teacher_levels to a list of {len(self.neck_levels)}')
        self.teacher_proj = build_module(dict(
            type='FeatureAligner', in_channels=self.teacher_channels,
            out_channels=read_channels))

    def _neck_input_levels(self) -> Tuple[List[int], List[int]]:
        """The backbone levels the student's neck reads (FPN's ``start_level`` may skip
        some), found by which of them a dummy forward sends gradients to, and their
        channels."""
        with torch.no_grad():
            levels = self.adapter.backbone_features(torch.zeros(1, 3, 64, 64))
        leaves = [lvl.detach().requires_grad_() for lvl in levels]
        with torch.enable_grad():  # gradients of the inputs only: none left on the neck
            out = sum(o.float().sum() for o in self.adapter.neck_features(leaves))
            grads = torch.autograd.grad(out, leaves, allow_unused=True)
        used = [i for i, g in enumerate(grads) if g is not None]
        return used, [levels[i].shape[1] for i in used]

    @property
    def aug_neck(self) -> ProtoAugNeck:
        """The augmentation neck inside the student."""
        return self.adapter.aug_neck

    def loss(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """Student, guided and distillation losses, prefixed ``student.``, ``guided.``
        (``joint.``, their sum, where both passes run as one batch), ``distill.``, plus
        prototype-health values (``proto.*``, logged, not summed).

        Args:
            inputs (Tensor): Preprocessed images (B, 3, H, W).
            data_samples (list): The student task's data samples.

        Returns:
            dict[str, Tensor]: Losses and logged values.
        """
        if not self.guided:
            return self._loss_without_teacher(inputs, data_samples)
        t_maps = self.teacher_forward(inputs)
        backbone = None
        if self.teacher_proj is not None:  # guided_input='backbone'
            backbone = self.adapter.backbone_features(inputs)
            base = self.adapter.neck_features(backbone)
        else:
            base = self.adapter.base_features(inputs)
        sizes = [base[lvl].shape[-2:] for lvl in self.aug_levels] \
            if self.per_level_guided else None
        protos = self.proto_head(t_maps, out_sizes=sizes)
        neck = self.aug_neck
        neck.update_prototypes(protos['prototypes'])

        # The guided pass leaves the student's BatchNorm running statistics alone.
        with batch_statistics_only(self.student):
            aligned = self._guided_levels(base, protos, backbone, t_maps)
        if self.joint_heads:  # both passes in one batch of 2B images
            b = inputs.shape[0]
            both = neck([torch.cat([s, g]) for s, g in zip(base, aligned)],
                        prototypes=protos['prototypes'])
            s_feats, g_feats = [f[:b] for f in both], [f[b:] for f in both]
            task = joint_head_losses(
                self.adapter, both, data_samples, self.guided_roi_neg_fraction)
            losses = add_prefix(scale_losses(task, self.student_weight), 'joint')
        else:
            s_feats = neck(base, prototypes=protos['prototypes'])
            shared: Dict = {}
            s_losses = self.adapter.head_losses(s_feats, data_samples, shared)
            losses = add_prefix(scale_losses(s_losses, self.student_weight), 'student')
            with batch_statistics_only(self.student):
                g_feats = neck(aligned, prototypes=protos['prototypes'])
                g_losses = self.adapter.head_losses(
                    g_feats, data_samples, shared, guided=True,
                    roi_neg_fraction=self.guided_roi_neg_fraction)
            losses.update(add_prefix(scale_losses(g_losses, self.guided_weight), 'guided'))
        losses.update(self.prototype_health(protos['assignment']))
        if self.loss_feat is not None:
            losses['distill.loss_feat'] = self.loss_feat(
                [s_feats[i] for i in self.aug_levels],
                [g_feats[i].detach() for i in self.aug_levels])
        return losses

    def _loss_without_teacher(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """``guided=False``: the student's task losses through the augmentation neck with
        the learnable prototypes; no teacher."""
        prototypes = self.proto_head.prototypes
        self.aug_neck.update_prototypes(prototypes)
        feats = self.aug_neck(self.adapter.base_features(inputs), prototypes=prototypes)
        s_losses = self.adapter.head_losses(feats, data_samples, {})
        return add_prefix(scale_losses(s_losses, self.student_weight), 'student')

    def _guided_levels(self, base: List[Tensor], protos: Dict,
                       backbone: Optional[List[Tensor]],
                       t_maps: List[Tensor]) -> List[Tensor]:
        """The guided pass's inputs of the augmentation neck: the aligned teacher maps
        (plus the detached student level) at the augmented levels of ``base`` (the
        student's levels); with ``guided_input='backbone'`` added to the neck's outputs on
        the projected teacher levels (``backbone``: the student's backbone levels,
        ``t_maps``: the teacher maps)."""
        if self.teacher_proj is not None:
            return self._backbone_guided_levels(backbone, t_maps, base, protos)
        aligned = list(base)
        for proj_i, lvl in enumerate(self.aug_levels):
            src = protos['feats'][proj_i] if 'feats' in protos else protos['feat']
            aligned[lvl] = self.aligner(src, base[lvl], proj_i)
            if self.guided_residual:
                aligned[lvl] = aligned[lvl] + base[lvl].detach()
        return aligned

    def _backbone_guided_levels(self, backbone: List[Tensor], t_maps: List[Tensor],
                                base: List[Tensor], protos: Dict) -> List[Tensor]:
        """``guided_input='backbone'``: the projected teacher levels through the student's
        neck, plus the aligned prototype-enhanced maps (and the detached student level
        with ``guided_residual``) at the augmented levels."""
        src = [lvl.detach() for lvl in backbone]  # levels the neck does not read
        for i, lvl in enumerate(self.neck_levels):
            src[lvl] = self.teacher_proj(t_maps[i], backbone[lvl], i)
        out = list(self.adapter.neck_features(src))
        for proj_i, lvl in enumerate(self.aug_levels):
            p_t = protos['feats'][proj_i] if 'feats' in protos else protos['feat']
            out[lvl] = out[lvl] + self.aligner(p_t, out[lvl], proj_i)
            if self.guided_residual:
                out[lvl] = out[lvl] + base[lvl].detach()
        return out

    @torch.no_grad()
    def prototype_health(self, assignment: Tensor) -> Dict[str, Tensor]:
        """Logged measures of prototype collapse.

        Args:
            assignment (Tensor): Soft assignment (B, K, H, W).

        Returns:
            dict[str, Tensor]: ``proto.assign_entropy`` mean per-location entropy / log K
            (1 = uniform, 0 = hard); ``proto.usage_entropy`` entropy of how often each
            prototype wins, / log K (0 = collapsed onto one); ``proto.num_used`` prototypes
            that win at least one location.
        """
        a = assignment.float().clamp_min(1e-12)
        k = a.shape[1]
        log_k = math.log(max(k, 2))
        per_loc = -(a * a.log()).sum(1).mean() / log_k
        winners = a.argmax(1).flatten()  # no bincount: on CUDA it waits for the GPU
        wins = a.new_zeros(k).index_add_(0, winners, a.new_ones(winners.shape))
        usage = wins / wins.sum()
        usage_ent = -(usage * usage.clamp_min(1e-12).log()).sum() / log_k
        return {
            'proto.assign_entropy': per_loc,
            'proto.usage_entropy': usage_ent,
            'proto.num_used': (wins > 0).sum().float(),
        }

    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> list:
        """Predict with the student and the current prototypes (no teacher)."""
        self.aug_neck.update_prototypes(self.proto_head.prototypes)
        return super().predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[list] = None):
        """The student's raw head outputs with the current prototypes (no teacher)."""
        self.aug_neck.update_prototypes(self.proto_head.prototypes)
        return super()._forward(inputs, data_samples)
