# Copyright (c) procd_mm authors. All rights reserved.
"""The student and guided passes as one batch give the separate passes' losses."""
import pytest
import torch
from mm_testing import det_inputs, inputs_for, tiny_model_cfg

from procd_mm.models.distillers.joint_heads import join_blocker
from procd_mm.registry import MODELS


def _pair(path, **overrides):
    """The same distiller (same weights) with joint and with separate head passes."""
    cfg = tiny_model_cfg(path)
    cfg.update(overrides.pop('model', {}))
    for key, value in overrides.items():  # dotted student overrides
        node = cfg.student
        *parents, leaf = key.split('.')
        for p in parents:
            node = node[p]
        node[leaf] = value
    torch.manual_seed(0)
    joint = MODELS.build(dict(cfg, joint_heads=True))
    joint.init_weights()
    separate = MODELS.build(dict(cfg, joint_heads=False))
    separate.load_state_dict(joint.state_dict())
    separate.teacher.load_state_dict(joint.teacher.state_dict())  # not in the state dict
    for m in (joint, separate):  # open the gates: the guided features reach the heads
        for aug in m.aug_neck.augments:
            aug.gate.data.fill_(0.5)
    return joint, separate


def _total(v):
    return sum(v) if isinstance(v, (list, tuple)) else v


def _losses_and_grads(model, packed):
    model.train()
    data = model.data_preprocessor(packed, True)
    torch.manual_seed(1)  # the same anchor and RoI samples in both models
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    model.zero_grad()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return losses, loss, grads


@pytest.mark.parametrize('path,overrides', [
    ('procd_retinanet.py', {}),
    # BatchNorm in a dense head: each half normalised alone, running statistics from the
    # student half only. The head's stacked BN layers on small deep levels amplify float32
    # re-ordering: with these 192x256 images the *same* joint model's gradients differ by up
    # to 0.45 % of a tensor's scale between one and two threads (measured with this file's
    # _pair and _losses_and_grads, once under torch.set_num_threads(1) and once under 2), so
    # gradients are compared within 1 % of their scale here. (At 96x128 the deepest levels
    # are 1x1, a half's batch variance is ~1e-10 and the amplification reaches ~1 %.)
    ('procd_retinanet.py', {'bbox_head.norm_cfg': dict(type='BN', requires_grad=True),
                            'inputs': dict(size=(192, 256)), 'grad_tol_of_scale': 1e-2}),
    ('procd_fcos.py', {}),
    ('procd_faster-rcnn.py', {}),
    ('procd_faster-rcnn.py', {'model': dict(guided_roi_neg_fraction=1.0)}),
    # no dropout: its masks are drawn per pass
    ('procd_deeplabv3.py', {'decode_head.dropout_ratio': 0.0,
                            'auxiliary_head.dropout_ratio': 0.0}),
    ('procd_pspnet.py', {'decode_head.dropout_ratio': 0.0, 'auxiliary_head.dropout_ratio': 0.0}),
    ('procd_upernet.py', {'decode_head.dropout_ratio': 0.0,
                          'auxiliary_head.dropout_ratio': 0.0}),
])
def test_joint_pass_equals_student_plus_guided(path, overrides):
    overrides = dict(overrides)
    inputs = overrides.pop('inputs', None)
    tol_of_scale = overrides.pop('grad_tol_of_scale', 1e-3)
    joint, separate = _pair(path, **overrides)
    assert joint.joint_heads and not separate.joint_heads
    packed = det_inputs(**inputs) if inputs else inputs_for(joint)
    j_losses, j_loss, j_grads = _losses_and_grads(joint, packed)
    s_losses, s_loss, s_grads = _losses_and_grads(separate, packed)
    assert {k.split('.')[0] for k in j_losses} == {'joint', 'distill', 'proto'}
    task_keys = {k.split('.', 1)[1] for k in s_losses if k.startswith('student.') and 'loss' in k}
    assert {k for k in j_losses if 'loss' in k and k.startswith('joint.')} == \
        {f'joint.{k}' for k in task_keys}
    for key in task_keys:  # an auxiliary head runs in the student pass only
        expected = _total(s_losses[f'student.{key}']) + _total(s_losses.get(f'guided.{key}', 0))
        torch.testing.assert_close(_total(j_losses[f'joint.{key}']), expected,
                                   rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(j_loss, s_loss, rtol=1e-4, atol=1e-6)
    assert j_grads.keys() == s_grads.keys()
    for name in s_grads:  # float32 re-ordering: 1e-5, or 0.1% (unless the case says) of the scale
        scale = s_grads[name].abs().max().item()
        torch.testing.assert_close(j_grads[name], s_grads[name], rtol=1e-3,
                                   atol=max(tol_of_scale * scale, 1e-5),
                                   msg=lambda m: f'{name}: {m}')
    # BatchNorm layers of the heads: per-half statistics, the same running statistics
    # (float32 re-ordering only: the student half is a slice of a batch of 2B)
    for name, buf in separate.named_buffers():
        if 'running' in name or 'num_batches_tracked' in name:
            torch.testing.assert_close(dict(joint.named_buffers())[name], buf, rtol=1e-4,
                                       atol=1e-5, msg=name)


@pytest.mark.parametrize('path,reason', [
    ('procd_mask-rcnn.py', 'the RoI head has a mask branch'),
])
def test_heads_that_cannot_be_joined_run_separately(path, reason):
    cfg = tiny_model_cfg(path)
    model = MODELS.build(cfg)
    assert join_blocker(model.adapter) == reason
    assert not model.joint_heads
    data = model.data_preprocessor(inputs_for(model), True)
    assert {k.split('.')[0] for k in model(**data, mode='loss')} >= {'student', 'guided'}


def test_unequal_pass_weights_run_separately():
    cfg = tiny_model_cfg('procd_retinanet.py')
    assert not MODELS.build(dict(cfg, guided_weight=0.5)).joint_heads
    assert MODELS.build(cfg).joint_heads
