# Copyright (c) procd_mm authors. All rights reserved.
import inspect
from typing import Dict, Optional, Sequence, Tuple, Union

import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from procd_mm.models.teachers import FrozenTeacher, TeacherHolder
from .adapters import build_adapter, build_student

ForwardResults = Union[Dict[str, Tensor], list, Tuple[Tensor, ...], Tensor]


def prefixed(losses: Dict, prefix: str, weight: float = 1.0) -> Dict:
    """The entries as ``prefix.key``, those whose key contains ``loss`` times ``weight``
    (mmdet's per-level losses are lists)."""
    def scaled(k, v):
        if 'loss' not in k or weight == 1.0:
            return v
        return [x * weight for x in v] if isinstance(v, (list, tuple)) else v * weight
    return {f'{prefix}.{k}': scaled(k, v) for k, v in losses.items()}


class TeacherStudentDistiller(TeacherHolder, BaseModel):
    """A student from its own config and a frozen teacher backbone.

    The teacher (:class:`FrozenTeacher`) is held outside the module tree
    (:class:`TeacherHolder`): out of the optimizer, DDP and checkpoints.

    ``predict`` and ``tensor`` go to the student, so mmdet/mmseg evaluators, visualizers
    and test loops work unchanged. The student's data preprocessor is used; the student's
    family adapter (``adapters/``) is the only code that knows the family.

    Args:
        student (dict): A complete model config of a supported student family
            (``adapters``): its own mmdet/mmseg config's ``model``.
        teacher (dict): A backbone config, mmpretrain scope unless scoped otherwise
            (``type='mmpretrain.VisionTransformer'``, ``out_type='featmap'``).
        teacher_ckpt (str, optional): Local path or URL of the teacher weights. None keeps
            random weights (a warning says so). The teacher config may instead carry
            ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)`` (not both).
        teacher_levels (Sequence[int], optional): Which teacher outputs are used. Defaults
            to all.
        teacher_amp (bool | str): Run the teacher in autocast: ``'auto'`` on CUDA only,
            True on any device, False never. Defaults to ``'auto'``.
        teacher_amp_dtype (str): Autocast dtype of the teacher on CUDA. Defaults to
            ``'float16'`` (``'bfloat16'`` is used on CPU).
        teacher_input (dict, optional): ``dict(rgb=bool, mean=[...], std=[...])``: the channel
            order and 0-255 normalisation the teacher's weights were trained with (each
            teacher file under ``configs/_base_/teachers/`` declares it); the student's
            preprocessed images are converted to it once per step. None: the teacher takes
            exactly what the student's preprocessor produces.
        teacher_ckpt_strict (bool): Missing or unexpected checkpoint keys are an error
            (the keys of an mmpretrain classifier beyond ``backbone.*`` are not counted).
            False loads the matching weights and warns with the counts. Defaults to True.
        init_cfg (dict, optional): Initialisation config of the trainable parts.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 teacher_ckpt: Optional[str] = None,
                 teacher_levels: Optional[Sequence[int]] = None,
                 teacher_amp: Union[bool, str] = 'auto',
                 teacher_amp_dtype: str = 'float16',
                 teacher_input: Optional[dict] = None,
                 teacher_ckpt_strict: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        student_model = build_student(student)
        super().__init__(data_preprocessor=student_model.data_preprocessor, init_cfg=init_cfg)
        self.student = student_model
        self.adapter = build_adapter(self.student)
        frozen = FrozenTeacher(teacher, teacher_ckpt, teacher_levels, teacher_amp,
                               teacher_amp_dtype, teacher_input,
                               student.get('data_preprocessor'), teacher_ckpt_strict)
        self.hold_teacher(frozen)
        self.teacher_ckpt = teacher_ckpt
        self.teacher_levels = frozen.levels
        self.teacher_channels = frozen.channels
        self.teacher_strides = frozen.strides
        self.student_probe = self.adapter.probe()
        self.student_channels = [c for c, _ in self.student_probe.levels]
        self.student_strides = [s for _, s in self.student_probe.levels]
        self.student_levels = self.adapter.feature_levels(len(self.student_channels))

    @classmethod
    def check_options(cls, kwargs: Dict) -> None:
        """Raise a ``TypeError`` naming the ``model.*`` keys in ``kwargs`` (what a subclass
        passes on to this class) that neither ``cls`` nor this class takes, with the keys
        that are taken: an option the distiller does not have is never ignored."""
        taken = set()
        for owner in (cls, TeacherStudentDistiller):
            params = inspect.signature(owner.__init__).parameters.values()
            taken.update(p.name for p in params
                         if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != 'self')
        unknown = sorted(set(kwargs) - taken)
        if unknown:
            names = ', '.join(f'model.{k}' for k in unknown)
            raise TypeError(f'{cls.__name__} has no option {names}; its options are '
                            f'{", ".join(sorted(taken))}')

    # -- the student --------------------------------------------------------------------
    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> list:
        """Predict with the student alone (no teacher)."""
        return self.student.predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[list] = None) -> ForwardResults:
        """The student's raw head outputs."""
        return self.student(inputs, data_samples, mode='tensor')

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> ForwardResults:
        """``loss``, ``predict`` or ``tensor``, as mmdet/mmseg models."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, predict and tensor mode')

    @staticmethod
    def resize_to(feat: Tensor, ref: Tensor) -> Tensor:
        """Bilinearly resize ``feat`` to the spatial size of ``ref`` when they differ."""
        if feat.shape[-2:] == ref.shape[-2:]:
            return feat
        return F.interpolate(feat, size=ref.shape[-2:], mode='bilinear', align_corners=False)
