# Copyright (c) procd_mm authors. All rights reserved.
import pytest
import torch

from procd_mm.models import FeatureMSELoss, PearsonFeatureLoss


def test_feature_mse():
    a, b = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    assert FeatureMSELoss()(a, a) == 0
    assert torch.isclose(FeatureMSELoss(loss_weight=2.0)(a, b), 2 * ((a - b)**2).mean())
    # a list of levels is averaged
    two = FeatureMSELoss()([a, a], [b, a])
    assert torch.isclose(two, ((a - b)**2).mean() / 2)
    # normalised: invariant to the scale of each location, 2 - 2 cos per location
    assert FeatureMSELoss(normalize=True)(a, 3 * a) < 1e-6
    assert torch.isclose(FeatureMSELoss(normalize=True)(a, -a), torch.tensor(4.0))


def test_normalized_mse_over_levels_in_one_pass_equals_the_mean_of_levels():
    preds = [torch.randn(2, 4, s, s + 1, requires_grad=True) for s in (6, 3, 1)]
    targets = [torch.randn(2, 4, s, s + 1) for s in (6, 3, 1)]
    loss_fn = FeatureMSELoss(loss_weight=3.0, normalize=True)
    loss = loss_fn(preds, targets)
    ref = 3.0 * sum(loss_fn.level_loss(p, t) for p, t in zip(preds, targets)) / 3
    torch.testing.assert_close(loss, ref)
    grads = torch.autograd.grad(loss, preds)
    ref_grads = torch.autograd.grad(ref, preds)
    for g, r in zip(grads, ref_grads):
        torch.testing.assert_close(g, r)
    # levels of different widths take the per-level path
    wide = [torch.randn(2, 8, 2, 2), torch.randn(2, 4, 2, 2)]
    torch.testing.assert_close(loss_fn(wide, [-w for w in wide]), torch.tensor(12.0))


def test_pearson_ignores_per_channel_affine_changes():
    a = torch.randn(2, 4, 5, 5)
    scale = torch.tensor([1., 2., 3., 4.]).view(1, 4, 1, 1)
    assert PearsonFeatureLoss()(a, a * scale + 7) < 1e-5
    assert PearsonFeatureLoss()(a, torch.randn(2, 4, 5, 5)) > 0.1
