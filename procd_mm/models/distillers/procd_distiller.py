# Copyright (c) procd_mm authors. All rights reserved.
from typing import Dict, List, Optional

from torch import Tensor

from procd_mm.models.builders import build_module
from procd_mm.models.necks.proto_aug_neck import ProtoAugNeck
from procd_mm.registry import MODELS
from .base_distiller import TeacherStudentDistiller, prefixed
from .batch_norm import batch_statistics_only
from .guided_inputs import (AugGuidedInput, BackboneGuidedInput, check_guided_input,
                            match_levels)


@MODELS.register_module()
class ProCDistiller(TeacherStudentDistiller):
    """Prototype-guided cross-task knowledge distillation (ProC-KD) for dense prediction.

    One step (see ``DESIGN.md``)::

        teacher (frozen) -> T_1..T_L -> PrototypeHead(T; C) -> enhanced maps P_l (B, D, h_l, w_l)
        student backbone/neck -> S_l -> ProtoAugNeck(S_l; C) -> student heads -> student.*
        guided:  ProtoAugNeck(guided_input(S, P, T); C) -> G_l -> the same heads -> guided.*
        distill: loss_feat(augmented S_l, G_l.detach()) -> distill.loss_feat

    The prototypes ``C`` (K, D) live in the student's augmentation neck, which is appended
    to the student when its config has none, so the exported student runs without the
    teacher. The heads run through the student family's adapter (``adapters/``), which
    calls their public ``loss`` methods; the guided pass reuses what the adapter shares
    (two-stage detectors: the student pass's proposals) and leaves the student's BatchNorm
    running statistics alone. Channels, levels and strides of both models are found by one
    dummy forward each at build time, so any supported student config works unchanged.

    Args:
        student (dict): A complete model config of a supported student family.
        teacher (dict): The teacher backbone config (see :class:`TeacherStudentDistiller`).
        teacher_ckpt (str, optional): Path or URL of the teacher weights.
        proto_head (dict): Options of :class:`PrototypeHead` (``channels``,
            ``num_prototypes``, ``grid_level``, ...); ``in_channels`` is filled in.
        aug_neck (dict): Options of :class:`ProtoAugNeck`; ``in_channels``, ``levels``,
            ``proto_channels`` and ``num_prototypes`` are filled in.
        guided (bool): Run the guided pass and the feature loss. False is the no-teacher
            control: the student with the augmentation neck, whose prototypes are trained
            by the student's task losses alone; the teacher is built but never run and no
            prototype head is built. Defaults to True.
        guided_input (str): Where the guided pass enters the student (ours): ``'aug'``
            (:class:`AugGuidedInput`) or ``'backbone'`` (:class:`BackboneGuidedInput`).
            Defaults to ``'aug'``.
        guided_residual (bool): The guided levels add the detached student level (ours;
            see :class:`AugGuidedInput`). Defaults to True.
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
                 guided_input: str = 'aug',
                 guided_residual: bool = True,
                 loss_feat: Optional[dict] = dict(
                     type='FeatureMSELoss', loss_weight=1.0, normalize=True),
                 **kwargs) -> None:
        self.check_options(kwargs)
        super().__init__(student, teacher, teacher_ckpt, **kwargs)
        check_guided_input(guided_input)
        self.guided = guided
        head_cfg = {k: v for k, v in (proto_head or {}).items() if k != 'in_channels'}
        head = build_module(dict(type='PrototypeHead', **head_cfg,
                                 in_channels=self.teacher_channels), 'model.proto_head')
        neck = self._place_aug_neck(aug_neck, head.num_prototypes, head.channels)
        self.aug_levels = list(neck.levels)
        self.proto_head = self.guide = self.loss_feat = None
        if guided:  # built only with the guided pass: unused parameters would break DDP
            head.init_assignment(neck.prototypes)
            self.proto_head = head
            self.guide = self._build_guided_input(guided_input, guided_residual)
            self.loss_feat = build_module(loss_feat, 'model.loss_feat') if loss_feat else None
        self.register_load_state_dict_pre_hook(_upgrade_checkpoint_keys)

    def _place_aug_neck(self, cfg: Optional[dict], num_protos: int, width: int) -> ProtoAugNeck:
        """The student's augmentation neck: the one in its config, or one appended."""
        neck = self.adapter.aug_neck
        if neck is None:
            neck = build_module(dict(
                dict(type='ProtoAugNeck', **(cfg or {})), in_channels=self.student_channels,
                levels=self.student_levels, proto_channels=width,
                num_prototypes=num_protos), 'model.aug_neck')
            self.adapter.append_aug_neck(neck)
        elif neck.prototypes.shape != (num_protos, width):
            raise ValueError(
                f'the ProtoAugNeck in model.student.neck holds prototypes of shape '
                f'{tuple(neck.prototypes.shape)}, but model.proto_head makes '
                f'({num_protos}, {width}): make num_prototypes/proto_channels agree')
        return neck

    def _build_guided_input(self, name: str, residual: bool) -> AugGuidedInput:
        args = dict(proto_channels=self.proto_head.channels, aug_levels=self.aug_levels,
                    aug_channels=[self.student_channels[i] for i in self.aug_levels],
                    residual=residual)
        if name == 'aug':
            return AugGuidedInput(**args)
        backbone, read = self.student_probe.backbone, self.student_probe.read_levels
        return BackboneGuidedInput(
            self.adapter.neck_features, read, [backbone[i][0] for i in read],
            self.teacher_channels,
            match_levels([backbone[i][1] for i in read], self.teacher_strides), **args)

    @property
    def aug_neck(self) -> ProtoAugNeck:
        """The augmentation neck inside the student (the prototypes' home)."""
        return self.adapter.aug_neck

    def loss(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """Student, guided and distillation losses, prefixed ``student.``, ``guided.`` and
        ``distill.``, plus prototype-health values (``proto.*``, logged, not summed).

        Args:
            inputs (Tensor): Preprocessed images (B, 3, H, W).
            data_samples (list): The student task's data samples.

        Returns:
            dict[str, Tensor]: Losses and logged values.
        """
        backbone = self.adapter.backbone_features(inputs)
        base = self.adapter.neck_features(backbone)
        shared: Dict = {}
        s_feats = self.aug_neck(base)
        losses = prefixed(self.adapter.losses(s_feats, data_samples, shared), 'student')
        if not self.guided:
            return losses
        t_maps = self.teacher_forward(inputs)
        protos = self.proto_head(t_maps, self.aug_neck.prototypes,
                                 out_sizes=[base[lvl].shape[-2:] for lvl in self.aug_levels])
        with batch_statistics_only(self.student):
            g_feats = self.aug_neck(self.guide(base, backbone, t_maps, protos['feats']))
            losses.update(prefixed(
                self.adapter.guided_losses(g_feats, data_samples, shared), 'guided'))
        losses.update(self.proto_head.health(protos['assignment']))
        if self.loss_feat is not None:
            losses['distill.loss_feat'] = self.loss_feat(
                [s_feats[i] for i in self.aug_levels],
                [g_feats[i].detach() for i in self.aug_levels])
        return losses


# checkpoint keys written before the prototypes moved into the neck and the guided inputs
# became modules of their own
_RENAMED = (('aligner.', 'guide.aligner.'), ('teacher_proj.', 'guide.teacher_proj.'))


def _upgrade_checkpoint_keys(module: ProCDistiller, state_dict: Dict, prefix: str,
                             *args) -> None:
    """Load hook: rename the keys of older ProCDistiller checkpoints in place."""
    old = prefix + 'proto_head.prototypes'
    if old in state_dict:  # the live prototypes; the neck's old buffer lagged a step
        neck = next(n for n, m in module.named_modules() if m is module.aug_neck)
        state_dict[f'{prefix}{neck}.prototypes'] = state_dict.pop(old)
    for key in [k for k in state_dict if k.startswith(prefix)]:
        rest = key[len(prefix):]
        for before, after in _RENAMED:
            if rest.startswith(before):
                state_dict[prefix + after + rest[len(before):]] = state_dict.pop(key)
        if module.proto_head is None and rest.startswith('proto_head.'):
            state_dict.pop(key)  # guided=False builds no prototype head
