# Copyright (c) procd_mm authors. All rights reserved.
"""The dense objectives of distillation pretraining: what each one is zero for, that every
projector trains, and the errors a wrong option gets."""
import pytest
import torch
import torch.nn as nn

from procd_mm.models.losses import PearsonFeatureLoss
from procd_mm.models.pretrainers import (CosineSmoothL1Objective, MLPMSEObjective,
                                         PatchSimilarityKLObjective, PKDObjective)
from procd_mm.models.pretrainers.objectives import resize

ALL = (PKDObjective, CosineSmoothL1Objective, MLPMSEObjective, PatchSimilarityKLObjective)


def _maps(seed=0, shapes=((2, 8, 6, 6), (2, 16, 3, 3))):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(*s, generator=g) for s in shapes]


@pytest.mark.parametrize('cls', ALL)
def test_losses_are_finite_and_every_projector_trains(cls):
    student = [m.requires_grad_() for m in _maps(0)]
    teacher = _maps(1, ((2, 12, 12, 12), (2, 12, 6, 6)))
    obj = cls([8, 16], [12, 12])
    losses = obj(student, teacher)
    assert losses and all(k.startswith('loss_') for k in losses)
    total = sum(losses.values())
    assert torch.isfinite(total) and total > 0
    total.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in obj.parameters())
    assert student[-1].grad.abs().sum() > 0


def _identity(obj):
    """Make every projector the identity (student and teacher widths equal)."""
    for proj in obj.projectors:
        conv = proj if isinstance(proj, nn.Conv2d) else None
        assert conv is not None
        with torch.no_grad():
            conv.weight.copy_(torch.eye(conv.out_channels)[:, :, None, None])
            conv.bias.zero_()


def test_pkd_is_the_pearson_loss_of_the_connector_output():
    student, teacher = _maps(0, ((2, 8, 4, 4), )), _maps(1, ((2, 6, 8, 8), ))
    obj = PKDObjective([8], [6])
    expected = PearsonFeatureLoss()(obj.projectors[0](student[0]), resize(teacher[0], (4, 4)))
    torch.testing.assert_close(obj(student, teacher)['loss_pkd'], expected)
    obj = PKDObjective([6], [6])
    _identity(obj)
    scaled = [3 * teacher[0] + 1]  # Pearson: blind to per-channel scale and shift
    assert obj(scaled, teacher)['loss_pkd'] < 1e-6


def test_patch_similarity_kl_is_zero_for_the_same_similarity_structure():
    teacher = _maps(1, ((2, 6, 5, 7), ))
    obj = PatchSimilarityKLObjective([6], [6], window=3)
    log_p = obj._log_probs(teacher[0])
    assert log_p.shape == (2, 35, 9)
    torch.testing.assert_close(log_p.exp().sum(-1), torch.ones(2, 35))
    assert torch.isinf(log_p[0, 0]).sum() == 5  # a corner sees 4 of its 9 neighbours
    same = obj.pair_losses(2 * teacher[0], teacher[0])['loss_patch_kl']
    assert same.abs() < 1e-5  # cosine similarities: blind to the scale
    other = obj.pair_losses(_maps(2, ((2, 6, 5, 7), ))[0], teacher[0])['loss_patch_kl']
    assert other > 0.1


def test_mlp_mse_averages_the_teacher_levels_and_standardises_them():
    teacher = _maps(1, ((2, 12, 8, 8), (2, 12, 4, 4)))
    obj = MLPMSEObjective([8, 16], [12, 12])
    assert len(obj.projectors) == 1 and obj.projectors[0][0].in_channels == 16
    (target, ) = obj.targets(teacher)
    assert target.shape == (2, 12, 4, 4)
    torch.testing.assert_close(target.mean(1), torch.zeros(2, 4, 4), atol=1e-5, rtol=0)
    raw = torch.stack([resize(teacher[0], (4, 4)), teacher[1]]).mean(0)
    ln = torch.nn.functional.layer_norm(raw.permute(0, 2, 3, 1), (12, )).permute(0, 3, 1, 2)
    torch.testing.assert_close(target, ln)


def test_cosine_smooth_l1_weights_follow_radio():
    obj = CosineSmoothL1Objective([4], [4])
    x = _maps(0, ((2, 4, 3, 3), ))[0]
    losses = obj.pair_losses(x, x)
    assert losses['loss_cos'].abs() < 1e-6 and losses['loss_smooth_l1'] == 0
    losses = obj.pair_losses(x, -x)  # cos = -1 everywhere
    torch.testing.assert_close(losses['loss_cos'], torch.tensor(0.9 * 2))


def test_teacher_grid_upsamples_the_projection():
    obj = PKDObjective([8], [6], grid='teacher')
    student, teacher = _maps(0, ((2, 8, 4, 4), )), _maps(1, ((2, 6, 8, 8), ))
    assert torch.isfinite(obj(student, teacher)['loss_pkd'])


@pytest.mark.parametrize('kwargs,match', [
    (dict(grid='both'), "grid must be 'student' or 'teacher'"),
    (dict(loss_weight=-1), 'loss_weight'),
])
def test_bad_common_options_name_their_key(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PKDObjective([8], [6], **kwargs)


def test_bad_own_options_name_their_key():
    with pytest.raises(ValueError, match='model.objective.window must be an odd int'):
        PatchSimilarityKLObjective([8], [6], window=4)
    with pytest.raises(ValueError, match='model.objective.temperature'):
        PatchSimilarityKLObjective([8], [6], temperature=0)
    with pytest.raises(ValueError, match='one to one: model.student_levels gives 2'):
        CosineSmoothL1Objective([8, 16], [6])
    with pytest.raises(ValueError, match='one width'):
        MLPMSEObjective([8], [6, 12])


def test_balanced_codes_share_the_prototypes_equally():
    from procd_mm.models.pretrainers.objectives import balanced_codes
    g = torch.Generator().manual_seed(0)
    skewed = torch.randn(2, 4, 3, 3, generator=g).softmax(1)
    skewed[:, 0] += 5  # prototype 0 wins everywhere
    codes = balanced_codes(skewed / skewed.sum(1, keepdim=True), iters=10)
    torch.testing.assert_close(codes.sum(1), torch.ones(2, 3, 3))  # a distribution per location
    torch.testing.assert_close(codes.mean((0, 2, 3)), torch.full((4, ), 0.25), atol=1e-3,
                               rtol=0)  # every prototype gets a quarter


def test_prototype_structure_trains_fusion_assignment_and_student():
    from procd_mm.models.pretrainers import PrototypeStructureObjective
    student = [m.requires_grad_() for m in _maps(0, ((2, 8, 8, 8), (2, 16, 4, 4)))]
    teacher = _maps(1, ((2, 12, 8, 8), (2, 12, 4, 4)))
    obj = PrototypeStructureObjective([8, 16], [12, 12], channels=16, num_prototypes=4)
    out = obj(student, teacher)
    assert set(out) == {'loss_proto_teacher', 'loss_proto_student', 'proto.assign_entropy',
                        'proto.usage_entropy', 'proto.num_used'}
    sum(v for k, v in out.items() if 'loss' in k).backward()
    trainable = [n for n, p in obj.named_parameters() if p.requires_grad]
    assert {n.split('.')[1] for n in trainable if n.startswith('proto_head.')} == \
        {'fuse', 'assign'}  # the NetVLAD descriptor has no label-free signal: frozen
    assert all(p.grad is not None for p in obj.parameters() if p.requires_grad)
    assert student[0].grad.abs().sum() > 0 and student[1].grad is None  # grid level 0
    with pytest.raises(ValueError, match='pairs student and teacher levels'):
        PrototypeStructureObjective([8], [12, 12])


def test_a_student_that_assigns_as_the_teacher_scores_lower():
    """The student loss is the codes' cross-entropy: lowest when the student's assignment
    is the teacher's own."""
    from procd_mm.models.pretrainers import PrototypeStructureObjective
    torch.manual_seed(0)
    obj = PrototypeStructureObjective([16], [16], channels=16, num_prototypes=4)
    teacher = _maps(1, ((2, 16, 6, 6), ))
    fused = obj.proto_head._fused(teacher, (6, 6))
    with torch.no_grad():  # the projector as the identity on the fused teacher map
        obj.projector = nn.Identity()
        same = obj([fused], teacher)['loss_proto_student']
        other = obj([fused.flip(-1).flip(-2)], teacher)['loss_proto_student']
    assert same < other
