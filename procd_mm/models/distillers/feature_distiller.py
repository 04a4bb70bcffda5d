# Copyright (c) procd_mm authors. All rights reserved.
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from torch import Tensor

from procd_mm.models.builders import build_module
from procd_mm.registry import MODELS
from procd_mm.utils.validation import check_weight
from .base_distiller import TeacherStudentDistiller, prefixed


@MODELS.register_module()
class FeatureDistiller(TeacherStudentDistiller):
    """Feature-mimicking peers of ProC-KD with the same teacher and plumbing.

    Each student level the heads read is mapped by a learned 1x1 connector to the
    teacher's width and compared with the teacher map resized to that level:
    ``FeatureMSELoss`` gives FitNet-style mimicking, ``PearsonFeatureLoss`` gives PKD. When
    several teacher levels are chosen they are resized to the first and concatenated.

    Args:
        student (dict): A complete mmdet detector or mmseg segmentor config.
        teacher (dict): The teacher backbone config.
        teacher_ckpt (str, optional): Path or URL of the teacher weights.
        loss_feat (dict): The feature loss. Defaults to ``FeatureMSELoss``.
        student_weight (float): Weight of the student's task losses. 0 distills without
            labels, the first stage of distill-then-fine-tune: the task losses are not
            computed, and the parts of the student that then do not run (the heads; with
            ``mimic='backbone'`` also the neck) are frozen, so every trainable parameter
            still gets a gradient (DDP with ``find_unused_parameters=False``). Defaults to
            1.0.
        mimic (str): ``'heads'``: the levels the heads read, as above. ``'backbone'``:
            the student backbone's last levels, one per chosen teacher level in order,
            each against its own teacher level (hint training on the stages; set
            ``teacher_levels`` to as many levels as the comparison should cover).
            Defaults to ``'heads'``.
        **kwargs: ``teacher_levels`` (defaults to the last teacher level here),
            ``teacher_amp``, ``teacher_amp_dtype``, ``teacher_input``,
            ``teacher_ckpt_strict``, ``init_cfg``.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 teacher_ckpt: Optional[str] = None,
                 loss_feat: dict = dict(type='FeatureMSELoss', loss_weight=1.0),
                 student_weight: float = 1.0,
                 mimic: str = 'heads',
                 **kwargs) -> None:
        self.check_options(kwargs)
        kwargs.setdefault('teacher_levels', [-1])
        super().__init__(student, teacher, teacher_ckpt, **kwargs)
        self.student_weight = check_weight(student_weight, 'model.student_weight')
        if mimic not in ('heads', 'backbone'):
            raise ValueError(f"model.mimic must be 'heads' or 'backbone', got {mimic!r}")
        self.mimic = mimic
        if mimic == 'backbone':
            levels = self.student_probe.backbone  # (channels, stride) per level
            n = len(self.teacher_channels)
            if n > len(levels):
                raise ValueError(f"model.mimic='backbone': model.teacher_levels gives {n} "
                                 f'levels but the student backbone has {len(levels)}')
            self.mimic_levels = list(range(len(levels) - n, len(levels)))
            self.connectors = nn.ModuleList(
                [nn.Conv2d(levels[i][0], c, 1)
                 for i, c in zip(self.mimic_levels, self.teacher_channels)])
        else:
            width = sum(self.teacher_channels)
            self.connectors = nn.ModuleList(
                [nn.Conv2d(self.student_channels[i], width, 1) for i in self.student_levels])
        self.loss_feat = build_module(loss_feat)
        if self.student_weight == 0:  # no task loss: what does not run does not train
            keep = ('backbone', ) if mimic == 'backbone' else ('backbone', 'neck')
            for name, child in self.student.named_children():
                if name not in keep:
                    child.requires_grad_(False)

    def loss(self, inputs: Tensor, data_samples: List) -> Dict[str, Tensor]:
        """The student's task losses (``student.*``, unless ``student_weight`` is 0) and the
        mimicking loss (``distill.loss_feat``)."""
        t_maps = self.teacher_forward(inputs)
        levels = self.adapter.backbone_features(inputs)
        losses: Dict[str, Tensor] = {}
        if self.student_weight > 0 or self.mimic == 'heads':
            feats = self.adapter.neck_features(levels)
        if self.student_weight > 0:
            task = self.adapter.losses(feats, data_samples, {})
            losses = prefixed(task, 'student', self.student_weight)
        if self.mimic == 'backbone':  # teacher stage i against student stage mimic_levels[i]
            preds = [conn(levels[i]) for conn, i in zip(self.connectors, self.mimic_levels)]
            targets = [self.resize_to(t, p) for t, p in zip(t_maps, preds)]
        else:  # the teacher levels concatenated, against every level the heads read
            target = torch.cat([self.resize_to(t, t_maps[0]) for t in t_maps], dim=1)
            preds = [conn(feats[i]) for conn, i in zip(self.connectors, self.student_levels)]
            targets = [self.resize_to(target, p) for p in preds]
        losses['distill.loss_feat'] = self.loss_feat(preds, targets)
        return losses
