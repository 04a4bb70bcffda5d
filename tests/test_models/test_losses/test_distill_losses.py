# Copyright (c) procd_mm authors. All rights reserved.
import pytest
import torch

from procd_mm.models import DenseKLLoss, FeatureMSELoss, PearsonFeatureLoss


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


def test_dense_kl():
    p = torch.randn(2, 5, 4, 4, requires_grad=True)
    assert DenseKLLoss()(p, p.detach()).abs() < 1e-6
    loss = DenseKLLoss(temperature=2.0)(p, torch.randn(2, 5, 8, 8))  # target resized
    assert loss > 0
    loss.backward()
    assert p.grad is not None


def test_dense_kl_over_levels_is_the_mean_over_all_locations():
    a, b = torch.randn(2, 5, 4, 4), torch.randn(2, 5, 2, 2)
    ta, tb = torch.randn(2, 5, 4, 4), torch.randn(2, 5, 2, 2)
    per_loc = [DenseKLLoss()(x, t) * x[:, 0].numel() for x, t in ((a, ta), (b, tb))]
    both = DenseKLLoss()([a, b], [ta, tb])
    torch.testing.assert_close(both, sum(per_loc) / (a[:, 0].numel() + b[:, 0].numel()))


def test_dense_kl_sigmoid_is_binary_kl_over_the_target_mass():
    p = torch.randn(2, 6, 3, 3, requires_grad=True)
    q = torch.randn(2, 6, 3, 3) * 3
    loss = DenseKLLoss(use_sigmoid=True, loss_weight=2.0)([p], [q])
    ps, qs = p.sigmoid(), q.sigmoid()
    direct = (qs * (qs / ps).log() + (1 - qs) * ((1 - qs) / (1 - ps)).log()).sum() / qs.sum()
    torch.testing.assert_close(loss, 2.0 * direct)
    assert DenseKLLoss(use_sigmoid=True)(p, p.detach()).abs() < 1e-6
    loss.backward()
    assert p.grad is not None
    # almost no foreground: the normaliser is at least 1
    far = torch.full((1, 2, 2, 2), -20.)
    assert DenseKLLoss(use_sigmoid=True)(far + 1, far) < 1e-6
    with pytest.raises(ValueError, match='2 prediction levels but 1 target levels'):
        DenseKLLoss()([p, p], [q])


def test_dense_kl_focal_modulation():
    p, q = torch.randn(1, 4, 3, 3), torch.randn(1, 4, 3, 3)
    ps, qs = p.sigmoid(), q.sigmoid()
    kl = qs * (qs / ps).log() + (1 - qs) * ((1 - qs) / (1 - ps)).log()
    direct = (kl * (ps - qs).abs() ** 2).sum() / qs.sum()
    torch.testing.assert_close(DenseKLLoss(use_sigmoid=True, gamma=2.0)(p, q), direct)
    with pytest.raises(ValueError, match='needs use_sigmoid=True'):
        DenseKLLoss(gamma=2.0)
    with pytest.raises(ValueError, match='gamma must be >= 0'):
        DenseKLLoss(use_sigmoid=True, gamma=-1.0)


@pytest.mark.parametrize('weight', [-1, float('nan'), 'a', True])
def test_bad_weights(weight):
    with pytest.raises((TypeError, ValueError), match='loss_weight'):
        FeatureMSELoss(loss_weight=weight)


def test_mismatched_levels():
    with pytest.raises(ValueError, match='2 predictions but 1 targets'):
        FeatureMSELoss()([torch.zeros(1)] * 2, [torch.zeros(1)])
