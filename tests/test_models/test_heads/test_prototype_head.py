# Copyright (c) procd_mm authors. All rights reserved.
import functools

import pytest
import torch
import torch.nn.functional as F

from procd_mm.models import PrototypeHead


def make(**kwargs):
    """A head and its prototypes (random unit rows, as the augmentation neck starts them),
    with the assignment started from them as the distiller does; returns (head, call) where
    ``call(feats, ...)`` runs the head with those prototypes."""
    head = PrototypeHead(**kwargs)
    protos = F.normalize(torch.randn(head.num_prototypes, head.channels), dim=1)
    head.init_assignment(protos)
    return head, functools.partial(head.forward, prototypes=protos)


def test_shapes_and_assignment():
    head, run = make(in_channels=[8, 16, 32], channels=12, num_prototypes=5)
    feats = [torch.randn(2, 8, 8, 10), torch.randn(2, 16, 4, 5), torch.randn(2, 32, 2, 3)]
    out = run(feats)
    assert out['feat'].shape == (2, 12, 8, 10)  # grid of the first level
    assert 'prototypes' not in out  # their one home is the augmentation neck
    assert out['assignment'].shape == (2, 5, 8, 10)
    assert torch.allclose(out['assignment'].sum(1), torch.ones(2, 8, 10), atol=1e-5)
    assert (out['feat'] >= 0).all()  # ends with ReLU, as the authors' fusion


def test_grid_level_selects_the_output_size():
    head, run = make(in_channels=[4, 4], channels=6, num_prototypes=3, grid_level=-1)
    out = run([torch.randn(1, 4, 8, 8), torch.randn(1, 4, 2, 2)])
    assert out['feat'].shape[-2:] == (2, 2)


def test_out_sizes_give_one_enhanced_map_per_grid():
    torch.manual_seed(0)
    head, run = make(in_channels=[4, 6], channels=8, num_prototypes=3)
    feats = [torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4)]
    out = run(feats, out_sizes=[(8, 8), (4, 4), (2, 2), (3, 5)])
    assert [tuple(f.shape) for f in out['feats']] == [(2, 8, 8, 8), (2, 8, 4, 4),
                                                      (2, 8, 2, 2), (2, 8, 3, 5)]
    assert out['feats'][0] is out['feat']  # the grid level's own map is not recomputed
    # shrinking by whole factors average-pools (no aliasing); other sizes are bilinear
    pooled = torch.cat([torch.nn.functional.avg_pool2d(feats[0], 2), feats[1]], 1)
    # Both pairs are the same function in another float32 order (factored vs direct fusion;
    # one size vs all sizes in one batch). Maps are O(1) (|x| < 3): 1e-5 is ~30x the largest
    # difference measured (3.6e-7 over 200 seeds, 1 and 2 threads); a real mismatch is O(0.1).
    tol = dict(rtol=1e-5, atol=1e-5)
    assert torch.allclose(head._fused(feats, (4, 4)), head.fuse(pooled), **tol)
    plain = run(feats)
    assert torch.allclose(plain['feat'], out['feat'], **tol) and 'feats' not in plain
    # one global descriptor for every grid: a constant teacher input gives the same
    # enhanced vector at every location of every size
    const = [torch.ones(1, 4, 8, 8), torch.ones(1, 6, 4, 4)]
    maps = run(const, out_sizes=[(8, 8), (2, 2)])['feats']
    assert torch.allclose(maps[0][..., 0, 0], maps[1][..., 1, 1], atol=1e-6)


def test_factored_fusion_and_refine_equal_the_direct_form():
    """The head projects each level once and applies the descriptor as a bias; the maps
    must equal fuse(cat(resized levels)) and refine(cat(fused, broadcast descriptor))."""
    torch.manual_seed(0)
    head, run = make(in_channels=[4, 6, 5], channels=8, num_prototypes=3)
    feats = [torch.randn(2, 4, 8, 8), torch.randn(2, 6, 4, 4), torch.randn(2, 5, 4, 4)]
    descs = []
    handle = head.descriptor.register_forward_hook(lambda m, i, o: descs.append(o))
    sizes = [(8, 8), (16, 16), (4, 4), (2, 2), (3, 5)]  # up, pool, bilinear
    out = run(feats, out_sizes=sizes)
    handle.remove()
    for size, got in zip(sizes, out['feats']):
        fused = head.fuse(torch.cat([head._resize(f, size) for f in feats], 1))
        assert torch.allclose(head._fused(feats, size), fused, atol=1e-5)
        ref = head.refine(torch.cat([fused, descs[0][:, :, None, None].expand(-1, -1, *size)], 1))
        assert torch.allclose(got, ref, atol=1e-5), size
    # ViT token maps arrive as channels-last views: the outputs must still be channel-major
    # (a channels-last output slows every later conv of the step); they are views of one
    # (B, D, sum H*W) tensor, each location's channels N apart
    views = [f.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) for f in feats]
    assert not views[0].is_contiguous()
    out = run(views, out_sizes=sizes)
    for f in [out['feat'], *out['feats']]:
        assert f.stride(3) == 1 and f.stride(2) == f.shape[3]
        assert f.stride(1) >= f.shape[2] * f.shape[3] and f.stride(0) >= f.shape[1] * f.stride(1)
    with pytest.raises(ValueError, match='teacher level 1 has 7 channels, expected 6'):
        run([feats[0], torch.randn(2, 7, 4, 4), feats[2]])


def test_gradients_reach_every_parameter():
    head = PrototypeHead(in_channels=[4, 6], channels=8, num_prototypes=3)
    protos = torch.nn.Parameter(F.normalize(torch.randn(3, 8), dim=1))
    out = head([torch.randn(2, 4, 4, 4), torch.randn(2, 6, 4, 4)], protos)
    (out['feat'].sum() + out['assignment'][:, 0].sum()).backward()
    for name, p in [*head.named_parameters(), ('prototypes', protos)]:
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_normalisation_stays_float32_under_autocast():
    head, run = make(in_channels=[4], channels=8, num_prototypes=3)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = run([torch.randn(1, 4, 4, 4)])
    assert out['assignment'].dtype == torch.float32


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_prototypes=0), 'num_prototypes must be >= 1'),
    (dict(channels=0), 'channels must be >= 1'),
    (dict(grid_level=3), 'grid_level=3 is out of range'),
])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PrototypeHead(in_channels=[4, 4], **kwargs)


def test_wrong_number_of_levels():
    head, run = make(in_channels=[4, 4], channels=8, num_prototypes=3)
    with pytest.raises(ValueError, match='expects 2 teacher levels, got 1'):
        run([torch.randn(1, 4, 4, 4)])


def test_assignment_is_not_uniform_at_initialisation():
    """A default-initialised assignment conv on unit-norm inputs is near-uniform (entropy
    ~ log K): the prototypes could not specialise. The cosine init + temperature is not."""
    torch.manual_seed(0)
    head, run = make(in_channels=[16], channels=32, num_prototypes=8)
    a = run([torch.randn(2, 16, 6, 6)])['assignment']
    entropy = -(a * a.clamp_min(1e-12).log()).sum(1).mean() / torch.log(torch.tensor(8.))
    assert entropy < 0.9
    assert a.argmax(1).unique().numel() > 1  # more than one prototype wins
    with pytest.raises(ValueError, match=r'prototypes of shape \(4, 32\), expected \(8, 32\)'):
        head.init_assignment(torch.randn(4, 32))
    with pytest.raises(ValueError, match='assign_temperature must be > 0'):
        PrototypeHead(in_channels=[4], assign_temperature=0)


def test_centering_spreads_locations_that_share_a_direction():
    """Positive (post-ReLU-like) maps share one direction; centring lets more prototypes win."""
    torch.manual_seed(0)
    feats = [torch.rand(2, 16, 8, 8) + 2.0]  # strongly positive: high mutual cosine
    used = {}
    for center in (False, True):
        torch.manual_seed(1)
        head, run = make(in_channels=[16], channels=32, num_prototypes=16, center=center)
        used[center] = run(feats)['assignment'].argmax(1).unique().numel()
    assert used[True] > used[False]
