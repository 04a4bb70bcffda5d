# Copyright (c) procd_mm authors. All rights reserved.
"""What ProCDistiller's step computes, checked against independent formulas on the features
it captured: which levels the feature loss reads, which side is detached, where its
gradient goes, the pass weights and the prototype-health values."""
import math

import pytest
import torch
import torch.nn.functional as F
from mm_testing import inputs_for, tiny_model_cfg

from procd_mm.models import PrototypeHead
from procd_mm.registry import MODELS


def build(path='procd_retinanet.py', **overrides):
    cfg = tiny_model_cfg(path)
    cfg.update(overrides)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    for aug in model.aug_neck.augments:  # open the gates: the guided features differ
        aug.gate.data.fill_(0.5)
    model.train()
    return model


def _step_with_neck_outputs(model, packed):
    """One loss step; the augmentation neck's outputs of the student and the guided pass."""
    outs = []
    handle = model.aug_neck.register_forward_hook(lambda m, i, o: outs.append(o))
    data = model.data_preprocessor(packed, True)
    torch.manual_seed(1)
    losses = model(**data, mode='loss')
    handle.remove()
    student, guided = outs
    return losses, data, list(student), list(guided)


def _cosine_mse(preds, targets):
    """FeatureMSELoss(normalize=True) written out: per level the mean over locations of
    |p/|p| - t/|t||^2 summed over channels, then the mean over levels."""
    per_level = []
    for p, t in zip(preds, targets):
        pn = p / p.norm(dim=1, keepdim=True).clamp_min(1e-12)
        tn = t / t.norm(dim=1, keepdim=True).clamp_min(1e-12)
        per_level.append(((pn - tn) ** 2).sum(dim=1).mean())
    return sum(per_level) / len(per_level)


@pytest.mark.parametrize('path,kwargs', [
    ('procd_retinanet.py', dict(guided_input='aug')),
    ('procd_retinanet.py', dict(guided_input='backbone')),
    ('procd_deeplabv3.py', dict()),
])
def test_feature_loss_reads_the_student_levels_against_the_detached_guided_ones(path, kwargs):
    model = build(path, **kwargs)
    packed = inputs_for(model)
    losses, data, s_feats, g_feats = _step_with_neck_outputs(model, packed)
    levels = model.aug_levels
    # the student side is the student's own forward (what it runs at inference)
    with torch.no_grad():
        alone = model.student.extract_feat(data['inputs'])
    for lvl in levels:
        torch.testing.assert_close(s_feats[lvl], alone[lvl], rtol=1e-4, atol=1e-5)
        assert not torch.allclose(s_feats[lvl], g_feats[lvl], rtol=1e-3, atol=1e-3)
    expected = _cosine_mse([s_feats[i] for i in levels], [g_feats[i] for i in levels])
    torch.testing.assert_close(losses['distill.loss_feat'], expected, rtol=1e-5, atol=1e-6)
    # swapped sides would give the same value but the gradient of the guided side: only
    # the student side may get one
    feat = model.loss_feat
    seen = []
    handle = feat.register_forward_pre_hook(lambda m, args: seen.append(args))
    model(**model.data_preprocessor(packed, True), mode='loss')
    handle.remove()
    (preds, targets), = seen
    assert all(p.requires_grad for p in preds) and not any(t.requires_grad for t in targets)


def _grads(model, loss):
    model.zero_grad()
    loss.backward()
    return {n: p.grad for n, p in model.named_parameters()}


def _touched(grads, prefix):
    return [n for n, g in grads.items()
            if n.startswith(prefix) and g is not None and g.abs().sum() > 0]


@pytest.mark.parametrize('kwargs', [dict(guided_input='aug'), dict(guided_input='backbone')])
def test_feature_loss_alone_trains_the_student_not_the_guided_path(kwargs):
    model = build(**kwargs)
    data = model.data_preprocessor(inputs_for(model), True)
    grads = _grads(model, model(**data, mode='loss')['distill.loss_feat'])
    assert _touched(grads, 'student.backbone.') and _touched(grads, 'student.neck.')
    for path in ('guide.', 'proto_head.'):
        assert not _touched(grads, path), path
    # and the guided task losses alone never reach the student's backbone
    losses = model(**data, mode='loss')
    grads = _grads(model, model.parse_losses(
        {k: v for k, v in losses.items() if k.startswith('guided.')})[0])
    assert not _touched(grads, 'student.backbone.')
    assert _touched(grads, 'guide.aligner.') and _touched(grads, 'proto_head.')


@pytest.fixture(scope='module')
def health():
    return PrototypeHead.health


def test_health_of_a_uniform_assignment(health):
    k = 8
    out = health(torch.full((2, k, 4, 4), 1.0 / k))
    torch.testing.assert_close(out['proto.assign_entropy'], torch.tensor(1.0))
    # ties: every location's winner is prototype 0
    torch.testing.assert_close(out['proto.usage_entropy'], torch.tensor(0.0))
    assert out['proto.num_used'].item() == 1


def test_health_of_hard_assignments(health):
    k = 4
    winners = torch.arange(2 * 4 * 4) % k  # every prototype wins a quarter of the locations
    a = F.one_hot(winners, k).float().view(2, 4, 4, k).permute(0, 3, 1, 2)
    out = health(a)
    torch.testing.assert_close(out['proto.assign_entropy'], torch.tensor(0.0), atol=1e-6,
                               rtol=0)
    torch.testing.assert_close(out['proto.usage_entropy'], torch.tensor(1.0))
    assert out['proto.num_used'].item() == k
    half = F.one_hot(torch.arange(32) % 2, k).float().view(2, 4, 4, k).permute(0, 3, 1, 2)
    out = health(half)  # two of four prototypes, equally often: entropy log 2 / log 4
    torch.testing.assert_close(out['proto.usage_entropy'], torch.tensor(0.5))
    assert out['proto.num_used'].item() == 2


def test_health_of_a_soft_assignment(health):
    p = torch.tensor([0.7, 0.1, 0.1, 0.1])
    a = p.view(1, 4, 1, 1).expand(2, 4, 3, 3)
    expected = -(p * p.log()).sum() / math.log(4)
    torch.testing.assert_close(health(a)['proto.assign_entropy'], expected)
