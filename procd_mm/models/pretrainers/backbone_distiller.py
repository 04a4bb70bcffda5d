# Copyright (c) procd_mm authors. All rights reserved.
"""Label-free distillation pretraining of any student's backbone (stage 1 of the pipeline)."""
import copy
import inspect
from importlib import import_module
from typing import Dict, List, Optional, Sequence, Union

from mmengine.logging import print_log
import torch.nn as nn
from mmengine.model import BaseModel
from torch import Tensor

from procd_mm.models.builders import (build_in_scope, build_module, eval_mode, probe_levels,
                                      scoped_type)
from procd_mm.models.teachers import FrozenTeacher, TeacherHolder
from procd_mm.registry import MODELS

STUDENT_SCOPES = ('mmdet', 'mmseg', 'mmpretrain')
# Preprocessors that take images without labels (model.data_preprocessor).
IMAGE_ONLY = ('ImgDataPreprocessor', 'mmengine.ImgDataPreprocessor')
# What the stock configs freeze for fine-tuning and a pretraining must train.
FINE_TUNING_FREEZES = dict(frozen_stages=-1, norm_eval=False)


def student_backbone_cfg(student: dict) -> tuple:
    """The scope and backbone config of a complete mmdet/mmseg/mmpretrain model config.

    Args:
        student (dict): ``model.student``, e.g. ``_base_.model`` of ``mmdet::...``.

    Returns:
        tuple: ``(scope, backbone config)``; a segmentor's ``pretrained`` moves to its
        backbone, as mmseg's ``EncoderDecoder`` does.
    """
    scope, _ = scoped_type(student, 'model.student', STUDENT_SCOPES)
    if scope not in STUDENT_SCOPES:
        raise TypeError(f'model.student: scope {scope!r} is not one of {STUDENT_SCOPES}')
    backbone = student.get('backbone')
    if not isinstance(backbone, dict) or 'type' not in backbone:
        raise KeyError('model.student must be a complete model config with a "backbone" '
                       f'dict (the model whose backbone is pretrained), got keys '
                       f'{sorted(student)}')
    backbone = copy.deepcopy(dict(backbone))
    if student.get('pretrained'):  # mmseg segmentors hand model.pretrained to the backbone
        if backbone.get('pretrained'):
            raise ValueError('model.student.pretrained and model.student.backbone.pretrained '
                             'are both set; keep one')
        backbone['pretrained'] = student['pretrained']
    return scope, backbone


def pretraining_preprocessor(student: dict) -> dict:
    """An ``ImgDataPreprocessor`` with the student's colour order and normalisation, so the
    backbone is pretrained on exactly the inputs it is fine-tuned on.

    Args:
        student (dict): ``model.student``; its ``data_preprocessor`` (mmdet, mmseg or
            mmpretrain: ``bgr_to_rgb``/``to_rgb``, ``mean``, ``std``, ``pad_size_divisor``).

    Returns:
        dict: The preprocessor config (images only, no labels).
    """
    pre = student.get('data_preprocessor')
    if not pre:
        raise KeyError(
            'model.student.data_preprocessor is not set, so the colour order and '
            'normalisation the backbone is fine-tuned with are unknown. mmpretrain configs '
            'keep it at the top level: student=dict(_base_.model, '
            'data_preprocessor=_base_.data_preprocessor); or set model.data_preprocessor')
    pre = dict(pre)
    # each of these flips the channels (mmengine/mmdet/mmseg; mmpretrain's to_rgb)
    flip = any(pre.get(k, False) for k in ('bgr_to_rgb', 'rgb_to_bgr', 'to_rgb'))
    out = dict(type='ImgDataPreprocessor', bgr_to_rgb=flip,
               pad_size_divisor=int(pre.get('pad_size_divisor', 1) or 1))
    if pre.get('mean') is not None:
        out.update(mean=list(pre['mean']), std=list(pre['std']))
    return out


def unfreeze_for_pretraining(scope: str, backbone: dict) -> Dict[str, object]:
    """Set the fine-tuning freezes the backbone class takes (``frozen_stages``,
    ``norm_eval``) to train everything, in place; returns what was changed."""
    cls = import_module(f'{scope}.registry').MODELS.get(backbone['type'].rpartition('.')[2])
    params = inspect.signature(cls.__init__).parameters if cls is not None else {}
    changed = {}
    for key, value in FINE_TUNING_FREEZES.items():
        default = params[key].default if key in params else value
        if key in params and backbone.get(key, default) != value:
            changed[key] = backbone.get(key, default)
            backbone[key] = value
    return changed


@MODELS.register_module()
class BackboneDistiller(TeacherHolder, BaseModel):
    """Distil a frozen teacher into a student's backbone on unlabelled images.

    The backbone is built from the student's own model config (any mmdet detector, mmseg
    segmentor or mmpretrain classifier config, ``model.student``), so the checkpoint this
    run writes (``backbone.*`` keys; :class:`procd_mm.engine.BackboneExportHook`,
    ``tools/export_backbone.py``) loads into the stock student config with
    ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``. The images
    are preprocessed with the student's colour order and normalisation; the teacher gets
    its own (``teacher_input``), as in the distillers. Only the backbone and the
    objective's projectors train; the neck and heads are never built.

    Args:
        student (dict): A complete mmdet/mmseg/mmpretrain model config; its ``backbone``
            and ``data_preprocessor`` are used.
        teacher (dict): The teacher backbone config (mmpretrain scope unless scoped).
        objective (dict | list[dict]): A dense objective (``objectives.py``):
            ``PKDObjective``, ``CosineSmoothL1Objective``, ``MLPMSEObjective``,
            ``PatchSimilarityKLObjective`` or ``PrototypeStructureObjective``; a list sums
            several (their loss names must differ). Defaults to ``PKDObjective``.
        teacher_ckpt (str, optional): The teacher's weights; None keeps them random.
        teacher_levels (Sequence[int], optional): The teacher outputs compared. Defaults to
            the last.
        student_levels (Sequence[int], optional): The backbone outputs compared, one per
            teacher level in order. Defaults to the last ``len(teacher_levels)``.
        train_all_stages (bool): Override the stock fine-tuning freezes of the backbone
            config (``frozen_stages`` to -1, ``norm_eval`` to False, where the class takes
            them): pretraining trains every stage and the BatchNorm statistics. Defaults to
            True.
        teacher_amp (bool | str): As in the distillers. Defaults to ``'auto'``.
        teacher_amp_dtype (str): As in the distillers. Defaults to ``'float16'``.
        teacher_input (dict, optional): ``dict(rgb, mean, std)`` the teacher's weights
            expect (the teacher files declare it).
        teacher_ckpt_strict (bool): Missing or unexpected teacher keys are an error.
            Defaults to True.
        data_preprocessor (dict, optional): An ``ImgDataPreprocessor`` overriding the one
            derived from the student's (:func:`pretraining_preprocessor`).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 objective: dict = dict(type='PKDObjective'),
                 teacher_ckpt: Optional[str] = None,
                 teacher_levels: Optional[Sequence[int]] = None,
                 student_levels: Optional[Sequence[int]] = None,
                 train_all_stages: bool = True,
                 teacher_amp: Union[bool, str] = 'auto',
                 teacher_amp_dtype: str = 'float16',
                 teacher_input: Optional[dict] = None,
                 teacher_ckpt_strict: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        scope, backbone = student_backbone_cfg(student)
        if data_preprocessor is not None and data_preprocessor.get('type') not in IMAGE_ONLY:
            raise TypeError(
                f'model.data_preprocessor: {data_preprocessor.get("type")!r} is not an '
                f'images-only preprocessor ({", ".join(IMAGE_ONLY)}); it is derived from the '
                "student's. mmseg and mmpretrain configs define data_preprocessor at the top "
                'level, which the runner hands to the model: a pretraining config sets '
                '`data_preprocessor = None` there')
        preprocessor = data_preprocessor or pretraining_preprocessor(student)
        super().__init__(data_preprocessor=preprocessor, init_cfg=init_cfg)
        if train_all_stages:
            changed = unfreeze_for_pretraining(scope, backbone)
            if changed:
                print_log(f'model.train_all_stages: the backbone trains whole for pretraining '
                          f'(its config had {changed})', logger='current')
        self.backbone = build_in_scope(backbone, scope)
        self.student_scope = scope
        frozen = FrozenTeacher(teacher, teacher_ckpt,
                               [-1] if teacher_levels is None else teacher_levels,
                               teacher_amp, teacher_amp_dtype, teacher_input, preprocessor,
                               teacher_ckpt_strict)
        self.hold_teacher(frozen)
        self.teacher_ckpt = teacher_ckpt
        in_eval = eval_mode(self.backbone)  # the probe leaves BatchNorm statistics alone
        levels = probe_levels(lambda x: in_eval(self._backbone_levels, x),
                              'model.student.backbone')
        self.student_levels = self._chosen_levels(student_levels, len(levels),
                                                  len(frozen.levels))
        channels = dict(student_channels=[levels[i][0] for i in self.student_levels],
                        teacher_channels=frozen.channels)
        several = isinstance(objective, (list, tuple))
        built = [self._build_objective(o, channels) for o in (objective if several
                                                               else [objective])]
        if not built:
            raise ValueError('model.objective is an empty list')
        self.objective = nn.ModuleList(built) if several else built[0]

    @staticmethod
    def _build_objective(cfg: dict, channels: dict) -> nn.Module:
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise TypeError('model.objective must be a config dict with a "type" (or a list '
                            f'of them), got {cfg!r}')
        try:  # the objectives' own errors name their model.objective.* key
            return build_module(dict(cfg, **channels))
        except TypeError as e:  # e.g. an option the objective does not take
            raise TypeError(f'model.objective: {e}') from e

    @staticmethod
    def _chosen_levels(levels: Optional[Sequence[int]], n: int, n_teacher: int) -> List[int]:
        if levels is None:
            if n_teacher > n:
                raise ValueError(f'model.teacher_levels gives {n_teacher} levels but the '
                                 f'student backbone has {n}; set model.student_levels')
            return list(range(n - n_teacher, n))
        chosen = list(levels)
        if not chosen or any(not -n <= i < n for i in chosen):
            raise ValueError(f'model.student_levels={levels} does not fit the student '
                             f'backbone, which outputs {n} levels (its out_indices)')
        return [i % n for i in chosen]

    def _backbone_levels(self, inputs: Tensor) -> tuple:
        outs = self.backbone(inputs)
        return tuple(outs) if isinstance(outs, (list, tuple)) else (outs, )

    def loss(self, inputs: Tensor, data_samples: Optional[list] = None) -> Dict[str, Tensor]:
        """The objective's losses (``distill.loss_*``) of a batch of unlabelled images."""
        t_maps = self.teacher_forward(inputs)
        levels = self._backbone_levels(inputs)
        student = [levels[i] for i in self.student_levels]
        objectives = self.objective if isinstance(self.objective, nn.ModuleList) \
            else [self.objective]
        losses: Dict[str, Tensor] = {}
        for objective in objectives:
            for k, v in objective(student, t_maps).items():
                if f'distill.{k}' in losses:
                    raise KeyError(f'model.objective: two objectives return {k!r}')
                losses[f'distill.{k}'] = v
        return losses

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], tuple]:
        """``loss``, or ``tensor`` (the backbone's outputs). There are no predictions: the
        exported backbone is fine-tuned in the student's own config."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            return self._backbone_levels(inputs)
        raise RuntimeError(f'BackboneDistiller has no mode {mode!r} (only loss and tensor): '
                           'it pretrains a backbone; evaluate the student fine-tuned from it')
