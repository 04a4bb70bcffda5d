# Copyright (c) procd_mm authors. All rights reserved.
import torch

from procd_mm.models import FeatureAligner


def test_projects_and_resizes_per_level():
    aligner = FeatureAligner(in_channels=6, out_channels=[4, 8])
    feat = torch.randn(2, 6, 5, 7, requires_grad=True)
    a = aligner(feat, torch.zeros(2, 4, 10, 14), 0)
    b = aligner(feat, torch.zeros(2, 8, 5, 7), 1)
    assert a.shape == (2, 4, 10, 14) and b.shape == (2, 8, 5, 7)
    (a.sum() + b.sum()).backward()
    assert feat.grad is not None
    assert all(p.grad is not None for p in aligner.parameters())
