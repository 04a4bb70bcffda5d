# Copyright (c) procd_mm authors. All rights reserved.
import inspect
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.logging import print_log
from torch import Tensor

from .builders import build_student, build_teacher, eval_mode, probe_levels
from .student_adapters import build_adapter
from .teacher_checkpoint import load_teacher_checkpoint, teacher_weights_source
from .teacher_input import teacher_input_affine

ForwardResults = Union[Dict[str, Tensor], list, Tuple[Tensor, ...], Tensor]


class TeacherStudentDistiller(BaseModel):
    """A student from its own mmdet/mmseg config and a frozen teacher backbone.

    The teacher is held outside the module tree: it is not in ``parameters()`` (so not in
    the optimizer, not synchronised by DDP), not in ``state_dict()`` (it is rebuilt from
    ``teacher_ckpt`` when a run resumes), and ``train()`` never reaches it. It still moves
    with ``to()``/``cuda()``/``half()``, which all go through :meth:`_apply`. It runs under
    ``no_grad`` and, on CUDA by default, in float16 autocast.

    ``predict`` and ``tensor`` go to the student, so mmdet/mmseg evaluators, visualizers
    and test loops work unchanged. The student's data preprocessor is used.

    Args:
        student (dict): A complete mmdet detector or mmseg segmentor config.
        teacher (dict): A backbone config, mmpretrain scope unless scoped otherwise
            (``type='mmpretrain.VisionTransformer'``, ``out_type='featmap'``).
        teacher_ckpt (str, optional): Local path or URL of the teacher weights. None keeps
            random weights (tests only; a warning says so). The teacher config may instead
            carry ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)`` (not
            both); it is loaded the same way.
        teacher_ckpt_strict (bool): Missing or unexpected checkpoint keys are an error
            (the keys of an mmpretrain classifier beyond ``backbone.*`` are not counted).
            False loads the matching weights and warns with the counts. Defaults to True.
        teacher_levels (Sequence[int], optional): Which teacher outputs are used. Defaults
            to all.
        teacher_amp (bool | str): Run the teacher in autocast: ``'auto'`` on CUDA only,
            True on any device, False never. Defaults to ``'auto'``.
        teacher_amp_dtype (str): Autocast dtype of the teacher on CUDA. Defaults to
            ``'float16'`` (``'bfloat16'`` is used on CPU).
        teacher_input (dict, optional): ``dict(rgb=bool, mean=[...], std=[...])``: the channel
            order and 0-255 normalisation the teacher's weights were trained with (each
            teacher file under ``configs/_base_/teachers/`` declares it). The student's
            preprocessed images are converted to it once per step (channel order and
            normalisation folded into one affine map, ``teacher_input.py``). None: the
            teacher takes exactly what the student's preprocessor produces.
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
        if teacher_amp not in (True, False, 'auto'):
            raise ValueError("model.teacher_amp must be True, False or 'auto', got "
                             f'{teacher_amp!r}')
        if teacher_amp_dtype not in ('float16', 'bfloat16'):
            raise ValueError("model.teacher_amp_dtype must be 'float16' or 'bfloat16', got "
                             f'{teacher_amp_dtype!r}')
        self.teacher_amp = teacher_amp
        self.teacher_amp_dtype = getattr(torch, teacher_amp_dtype)

        teacher, ckpt_file, ckpt_key, prefix = teacher_weights_source(teacher, teacher_ckpt)
        teacher_model = build_teacher(teacher)
        if ckpt_file:
            load_teacher_checkpoint(teacher_model, ckpt_file, strict=teacher_ckpt_strict,
                                    key=ckpt_key, prefix=prefix)
        else:
            if hasattr(teacher_model, 'init_weights'):
                teacher_model.init_weights()
            print_log('model.teacher_ckpt is not set: the teacher keeps random weights',
                      logger='current', level=30)
        teacher_model.requires_grad_(False)
        teacher_model.eval()
        self._teacher = [teacher_model]  # a list hides it from the module tree
        self.teacher_ckpt = teacher_ckpt

        affine = teacher_input_affine(self.data_preprocessor, teacher_input)
        self._to_teacher = affine is not None
        weight, bias = affine if affine is not None else (torch.eye(3)[:, :, None, None],
                                                          torch.zeros(3))
        self.register_buffer('_t_weight', weight, persistent=False)
        self.register_buffer('_t_bias', bias, persistent=False)

        teacher_out = probe_levels(self._teacher_maps_all, 'model.teacher')
        n = len(teacher_out)
        levels = list(range(n)) if teacher_levels is None else list(teacher_levels)
        bad = [i for i in levels if not -n <= i < n]
        if bad or not levels:
            raise ValueError(f'model.teacher_levels={teacher_levels} does not fit the teacher, '
                             f'which outputs {n} levels (set by model.teacher.out_indices)')
        self.teacher_levels = [i % n for i in levels]
        self.teacher_channels = [teacher_out[i][0] for i in self.teacher_levels]
        self.teacher_strides = [teacher_out[i][1] for i in self.teacher_levels]

        run_eval = eval_mode(self.student)
        student_out = run_eval(probe_levels, self.adapter.base_features, 'model.student')
        self.student_channels = [c for c, _ in student_out]
        self.student_strides = [s for _, s in student_out]
        self.student_levels = self.adapter.feature_levels(len(student_out))

    # -- the teacher --------------------------------------------------------------------
    @property
    def teacher(self) -> Optional[nn.Module]:
        """The frozen teacher backbone (not a registered submodule); None once released
        with :meth:`release_teacher`."""
        return self._teacher[0] if self._teacher else None

    def release_teacher(self) -> None:
        """Drop the teacher, e.g. to evaluate or export the student alone."""
        self._teacher.clear()

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

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        if getattr(self, '_teacher', None):
            self._teacher[0]._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True) -> 'TeacherStudentDistiller':
        """Set the trainable parts' mode; the teacher stays in eval mode."""
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()
        return self

    def _teacher_maps_all(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        outs = self.teacher(inputs)
        return tuple(outs) if isinstance(outs, (list, tuple)) else (outs, )

    @torch.no_grad()
    def teacher_forward(self, inputs: Tensor) -> List[Tensor]:
        """The chosen teacher maps (float32), under no_grad and autocast.

        Args:
            inputs (Tensor): Images from the student's preprocessor (B, 3, H, W), converted
                to ``teacher_input`` here.

        Returns:
            list[Tensor]: One map per teacher level, (B, C_t, H_t, W_t).
        """
        if self.teacher is None:
            raise RuntimeError('the teacher was released (release_teacher()); training needs it')
        if self._to_teacher:  # the student's colours -> the teacher's, one op
            inputs = F.conv2d(inputs, self._t_weight.to(inputs.dtype),
                              self._t_bias.to(inputs.dtype))
        device = inputs.device.type
        use_amp = self.teacher_amp is True or (self.teacher_amp == 'auto' and device == 'cuda')
        dtype = self.teacher_amp_dtype if device == 'cuda' else torch.bfloat16
        with torch.autocast(device_type=device, dtype=dtype, enabled=use_amp):
            outs = self._teacher_maps_all(inputs)
        return [outs[i].float() for i in self.teacher_levels]

    # -- the student --------------------------------------------------------------------
    def predict(self, inputs: Tensor, data_samples: Optional[list] = None) -> list:
        """Predict with the student alone (no teacher)."""
        return self.student.predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples: Optional[list] = None) -> ForwardResults:
        """The student's raw head outputs."""
        return self.student._forward(inputs, data_samples)

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
