# Copyright (c) procd_mm authors. All rights reserved.
"""From what the student's data preprocessor produces to what the teacher's weights expect.

Images are loaded in BGR order (mmcv's default). The student's preprocessor flips them to
RGB when it was built with ``bgr_to_rgb=True`` (mmdet's and mmseg's usual configs), keeps
them BGR otherwise (caffe-style configs such as mmdet's FCOS), and normalises with its own
``mean``/``std``, given in its output order. A teacher file declares what its weights were
trained on, ``teacher_input=dict(rgb=True, mean=[...], std=[...])`` (mean/std in that
order, 0-255 scale). Undoing the student's normalisation, reordering the channels and
applying the teacher's is one affine map per pixel, ``x_t = W x_s + b`` (W a 3x3 matrix):
one 1x1 convolution per step.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

KEY = 'model.teacher_input'


def student_colour(preprocessor: Optional[dict]) -> Tuple[bool, Tensor, Tensor]:
    """The channel order and normalisation of the student's preprocessed images, read from
    its preprocessor's config (``bgr_to_rgb``/``rgb_to_bgr``, ``mean``, ``std``: the
    public arguments of mmengine's ``ImgDataPreprocessor`` family, mmdet's
    ``DetDataPreprocessor`` and mmseg's ``SegDataPreProcessor``).

    Args:
        preprocessor (dict, optional): ``model.student.data_preprocessor``; None for a
            student without one (no conversion, no normalisation).

    Returns:
        tuple: ``(rgb, mean, std)``; ``rgb`` whether the channels are RGB, ``mean`` and
        ``std`` (3, ) in that order (0 and 1 when it does not normalise).
    """
    cfg = dict(preprocessor or {})
    rgb = bool(cfg.get('bgr_to_rgb', False) or cfg.get('rgb_to_bgr', False))
    values = []
    for name, default in (('mean', 0.0), ('std', 1.0)):
        value = cfg.get(name)
        value = torch.full((3, ), default) if value is None else \
            torch.as_tensor(value, dtype=torch.float32).flatten()
        if value.numel() != 3:
            raise ValueError(f'{KEY}: model.student.data_preprocessor.{name} has '
                             f'{value.numel()} values; the teacher takes 3-channel images')
        values.append(value)
    return rgb, values[0], values[1]


def _checked(teacher_input: dict) -> Tuple[bool, Tensor, Tensor]:
    if not isinstance(teacher_input, dict) or set(teacher_input) != {'rgb', 'mean', 'std'}:
        raise ValueError(f'{KEY} must be dict(rgb=bool, mean=[3 floats], std=[3 floats]) '
                         f'(the colour order and 0-255 normalisation the teacher was trained '
                         f'with), got {teacher_input!r}')
    rgb = teacher_input['rgb']
    if not isinstance(rgb, bool):
        raise ValueError(f'{KEY}.rgb must be True (RGB) or False (BGR), got {rgb!r}')
    out = [rgb]
    for name in ('mean', 'std'):
        value = torch.as_tensor(teacher_input[name], dtype=torch.float32).flatten()
        if value.numel() != 3 or not torch.isfinite(value).all():
            raise ValueError(f'{KEY}.{name} must be 3 finite numbers (0-255 scale, in the '
                             f'teacher\'s channel order), got {teacher_input[name]!r}')
        out.append(value)
    if not (out[2] > 0).all():
        raise ValueError(f'{KEY}.std must be positive, got {teacher_input["std"]!r}')
    return tuple(out)


def teacher_input_affine(preprocessor: Optional[dict],
                         teacher_input: Optional[dict]) -> Optional[Tuple[Tensor, Tensor]]:
    """The affine map from the student's preprocessed images to the teacher's inputs.

    Args:
        preprocessor (dict, optional): The config of the student's data preprocessor.
        teacher_input (dict, optional): ``dict(rgb, mean, std)`` the teacher expects. None:
            exactly what the student's preprocessor produces.

    Returns:
        tuple[Tensor, Tensor] | None: ``(weight (3, 3, 1, 1), bias (3, ))`` of the 1x1
        convolution, or None when the map is the identity.
    """
    if teacher_input is None:
        return None
    t_rgb, t_mean, t_std = _checked(teacher_input)
    s_rgb, s_mean, s_std = student_colour(preprocessor)
    # teacher channel i reads student channel perm[i]
    perm = [0, 1, 2] if s_rgb == t_rgb else [2, 1, 0]
    weight = torch.zeros(3, 3)
    for i, j in enumerate(perm):
        weight[i, j] = s_std[j] / t_std[i]
    bias = (s_mean[perm] - t_mean) / t_std
    if torch.equal(weight, torch.eye(3)) and not bias.any():
        return None
    return weight[:, :, None, None], bias
