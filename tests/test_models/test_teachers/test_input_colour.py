# Copyright (c) procd_mm authors. All rights reserved.
"""The teacher receives the image in the colour order and normalisation its weights expect,
whatever the student's preprocessor produces."""
import pytest
import torch
from mm_testing import det_inputs, seg_inputs, tiny_model_cfg

from procd_mm.models.teachers.input_colour import teacher_input_affine
from procd_mm.registry import MODELS

VIT_B = dict(rgb=True, mean=[127.5] * 3, std=[127.5] * 3)  # configs/_base_/teachers/vit-b16
IMAGENET_RGB = dict(rgb=True, mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])


def _teacher_input_of_one_step(model, packed):
    seen = []
    model.teacher.register_forward_pre_hook(lambda m, args: seen.append(args[0].clone()))
    data = model.data_preprocessor(packed, True)
    model.train()
    model(**data, mode='loss')
    assert len(seen) == 1
    return seen[0]


def _teachers_way(packed, teacher_input):
    """The raw (BGR, as loaded) images preprocessed the teacher's way, computed directly."""
    raw = torch.stack(packed['inputs']).float()
    if teacher_input['rgb']:
        raw = raw[:, [2, 1, 0]]
    mean = torch.tensor(teacher_input['mean']).view(1, 3, 1, 1)
    std = torch.tensor(teacher_input['std']).view(1, 3, 1, 1)
    return (raw - mean) / std


def test_caffe_style_fcos_student_gives_the_vit_teacher_rgb():
    cfg = tiny_model_cfg('procd_fcos.py')
    pre = cfg.student.data_preprocessor
    assert pre.bgr_to_rgb is False and pre.std == [1.0, 1.0, 1.0]  # caffe-style BGR
    assert cfg.teacher_input == VIT_B  # from the teacher's file
    model = MODELS.build(cfg)
    packed = det_inputs(size=(96, 128))  # multiples of 32: no padding
    got = _teacher_input_of_one_step(model, packed)
    # 1 grey level is 1/127.5 here; float32 rounding of the folded map is far below
    torch.testing.assert_close(got, _teachers_way(packed, VIT_B), rtol=0, atol=1e-5)


@pytest.mark.parametrize('teacher_input', [VIT_B, IMAGENET_RGB,
                                           dict(rgb=False, mean=[0, 0, 0], std=[1, 1, 1])])
def test_rgb_segmentor_student_to_each_teacher(teacher_input):
    cfg = tiny_model_cfg('procd_deeplabv3.py')
    assert cfg.student.data_preprocessor.bgr_to_rgb is True
    cfg.teacher_input = teacher_input
    model = MODELS.build(cfg)
    packed = seg_inputs(size=(64, 64), num_classes=model.student.decode_head.num_classes)
    got = _teacher_input_of_one_step(model, packed)
    torch.testing.assert_close(got, _teachers_way(packed, teacher_input), rtol=0, atol=1e-4)


def test_same_preprocessing_is_no_op_and_none_means_the_students():
    cfg = tiny_model_cfg('procd_retinanet.py')
    cfg.teacher_input = IMAGENET_RGB  # exactly what mmdet's RetinaNet preprocessor gives
    model = MODELS.build(cfg)
    assert not model._teacher[0].converts
    cfg.teacher_input = None
    assert not MODELS.build(cfg)._teacher[0].converts


def test_a_student_that_does_not_normalise():
    pre = dict(type='DetDataPreprocessor', bgr_to_rgb=False)  # raw 0-255 BGR
    weight, bias = teacher_input_affine(pre, IMAGENET_RGB)
    # a student without a preprocessor config is read the same way
    for same in (teacher_input_affine(None, IMAGENET_RGB), teacher_input_affine({}, IMAGENET_RGB)):
        assert torch.equal(same[0], weight) and torch.equal(same[1], bias)
    x = torch.rand(1, 3, 4, 4) * 255
    got = torch.nn.functional.conv2d(x, weight, bias)
    mean = torch.tensor(IMAGENET_RGB['mean']).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_RGB['std']).view(1, 3, 1, 1)
    torch.testing.assert_close(got, (x.flip(1) - mean) / std, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('bad,match', [
    (dict(mean=[0] * 3, std=[1] * 3), r'model\.teacher_input must be dict\(rgb=bool'),
    (dict(rgb='yes', mean=[0] * 3, std=[1] * 3), r'model\.teacher_input\.rgb must be True'),
    (dict(rgb=True, mean=[0] * 2, std=[1] * 3), r'model\.teacher_input\.mean must be 3'),
    (dict(rgb=True, mean=[0] * 3, std=[1, 0, 1]), r'model\.teacher_input\.std must be positive'),
])
def test_bad_teacher_input_is_named(bad, match):
    cfg = tiny_model_cfg('procd_retinanet.py')
    cfg.teacher_input = bad
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)
