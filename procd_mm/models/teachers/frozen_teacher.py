# Copyright (c) procd_mm authors. All rights reserved.
"""The frozen teacher: built from its own config, loaded strictly, never trained."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from torch import Tensor

from procd_mm.models.builders import TEACHER_PROBE_SIZE, build_teacher, probe_levels
from procd_mm.utils.log_filters import quiet_init_summary
from .checkpoint import load_teacher_checkpoint, teacher_weights_source
from .input_colour import teacher_input_affine


class FrozenTeacher(nn.Module):
    """A pretrained backbone that hands its chosen levels to a distiller.

    Its weights are frozen (``requires_grad`` False) and it stays in eval mode whatever
    ``train()`` asks. The distiller holds it outside its module tree (out of the optimizer,
    DDP and checkpoints). :meth:`forward` converts the student's preprocessed images to the
    teacher's colours (one 1x1 convolution, ``input_colour.py``) and runs under ``no_grad``
    and, where asked, autocast.

    Args:
        cfg (dict): ``model.teacher``: a backbone config, mmpretrain scope unless scoped
            otherwise (``type='mmpretrain.VisionTransformer'``, ``out_type='featmap'``).
        ckpt (str, optional): ``model.teacher_ckpt``: local path or URL of the weights. None
            keeps random weights (tests, offline controls; a warning says so). The teacher
            config may instead carry ``init_cfg=dict(type='Pretrained', ...)`` (not both).
        levels (Sequence[int], optional): ``model.teacher_levels``: which outputs are used.
            Defaults to all.
        amp (bool | str): Autocast: ``'auto'`` on CUDA only, True on any device, False
            never. Defaults to ``'auto'``.
        amp_dtype (str): Autocast dtype on CUDA (``'bfloat16'`` is used on CPU). Defaults
            to ``'float16'``.
        colour (dict, optional): ``model.teacher_input``, ``dict(rgb, mean, std)`` the
            weights were trained with. None: the student's preprocessed images as they are.
        student_preprocessor (dict, optional): The student's data preprocessor config.
        strict (bool): Missing or unexpected checkpoint keys are an error. Defaults to True.
    """

    def __init__(self,
                 cfg: dict,
                 ckpt: Optional[str] = None,
                 levels: Optional[Sequence[int]] = None,
                 amp: Union[bool, str] = 'auto',
                 amp_dtype: str = 'float16',
                 colour: Optional[dict] = None,
                 student_preprocessor: Optional[dict] = None,
                 strict: bool = True) -> None:
        super().__init__()
        if amp not in (True, False, 'auto'):
            raise ValueError(f"model.teacher_amp must be True, False or 'auto', got {amp!r}")
        if amp_dtype not in ('float16', 'bfloat16'):
            raise ValueError("model.teacher_amp_dtype must be 'float16' or 'bfloat16', got "
                             f'{amp_dtype!r}')
        self.amp, self.amp_dtype = amp, getattr(torch, amp_dtype)
        cfg, ckpt_file, ckpt_key, prefix = teacher_weights_source(cfg, ckpt)
        self.backbone = build_teacher(cfg)
        if ckpt_file:
            load_teacher_checkpoint(self.backbone, ckpt_file, strict=strict, key=ckpt_key,
                                    prefix=prefix)
        else:
            if hasattr(self.backbone, 'init_weights'):
                with quiet_init_summary():  # a record per parameter of a random teacher
                    self.backbone.init_weights()
            print_log('model.teacher_ckpt is not set: the teacher keeps random weights',
                      logger='current', level=30)
        self.requires_grad_(False)
        affine = teacher_input_affine(student_preprocessor, colour)
        self.converts = affine is not None
        weight, bias = affine if affine is not None else (torch.eye(3)[:, :, None, None],
                                                          torch.zeros(3))
        self.register_buffer('colour_weight', weight, persistent=False)
        self.register_buffer('colour_bias', bias, persistent=False)
        self.eval()
        outs = probe_levels(self._all_levels, 'model.teacher', TEACHER_PROBE_SIZE)
        n = len(outs)
        chosen = list(range(n)) if levels is None else list(levels)
        if not chosen or any(not -n <= i < n for i in chosen):
            raise ValueError(f'model.teacher_levels={levels} does not fit the teacher, '
                             f'which outputs {n} levels (set by model.teacher.out_indices)')
        self.levels = [i % n for i in chosen]
        self.channels = [outs[i][0] for i in self.levels]
        self.strides = [outs[i][1] for i in self.levels]

    def train(self, mode: bool = True) -> 'FrozenTeacher':
        """Stay in eval mode (BatchNorm statistics and dropout of the pretrained weights)."""
        return super().train(False)

    def _all_levels(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        outs = self.backbone(inputs)
        return tuple(outs) if isinstance(outs, (list, tuple)) else (outs, )

    @torch.no_grad()
    def forward(self, inputs: Tensor) -> List[Tensor]:
        """The chosen levels (float32).

        Args:
            inputs (Tensor): Images from the student's preprocessor (B, 3, H, W).

        Returns:
            list[Tensor]: One map per chosen level, (B, C_t, H_t, W_t).
        """
        if self.converts:  # the student's colours -> the teacher's, one op
            inputs = F.conv2d(inputs, self.colour_weight.to(inputs.dtype),
                              self.colour_bias.to(inputs.dtype))
        device = inputs.device.type
        use_amp = self.amp is True or (self.amp == 'auto' and device == 'cuda')
        dtype = self.amp_dtype if device == 'cuda' else torch.bfloat16
        with torch.autocast(device_type=device, dtype=dtype, enabled=use_amp):
            outs = self._all_levels(inputs)
        return [outs[i].float() for i in self.levels]
