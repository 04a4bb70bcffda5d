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


@pytest.mark.parametrize('weight', [-1, float('nan'), 'a', True])
def test_bad_weights(weight):
    with pytest.raises((TypeError, ValueError), match='loss_weight'):
        FeatureMSELoss(loss_weight=weight)


def test_mismatched_levels():
    with pytest.raises(ValueError, match='2 predictions but 1 targets'):
        FeatureMSELoss()([torch.zeros(1)] * 2, [torch.zeros(1)])
