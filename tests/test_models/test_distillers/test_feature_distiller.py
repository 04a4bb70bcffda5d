# Copyright (c) procd_mm authors. All rights reserved.
"""The FitNet / PKD peers share the teacher plumbing of ProC-KD."""
import pytest
import torch
from mm_testing import inputs_for, tiny_model_cfg

from procd_mm.registry import MODELS


def peer_cfg(path, loss_type):
    cfg = tiny_model_cfg(path)
    return dict(type='procd_mm.FeatureDistiller', student=cfg.student, teacher=cfg.teacher,
                loss_feat=dict(type=f'procd_mm.{loss_type}', loss_weight=2.0))


@pytest.mark.parametrize('path,loss_type', [('procd_retinanet.py', 'FeatureMSELoss'),
                                            ('procd_pspnet.py', 'PearsonFeatureLoss')])
def test_peer_loss_and_predict(path, loss_type):
    model = MODELS.build(peer_cfg(path, loss_type))
    model.init_weights()
    assert type(model.loss_feat).__name__ == loss_type
    assert model.teacher_levels == [2]  # the last teacher level by default
    packed = inputs_for(model)
    model.train()
    losses = model(**model.data_preprocessor(packed, True), mode='loss')
    assert {k.split('.')[0] for k in losses} == {'student', 'distill'}
    assert torch.isfinite(losses['distill.loss_feat'])
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(c.weight.grad is not None for c in model.connectors)
    assert all(p.grad is None for p in model.teacher.parameters())
    assert len(model.connectors) == len(model.student_levels)
    model.eval()
    with torch.no_grad():
        assert len(model.val_step(packed)) == len(packed['inputs'])


def test_teacher_input_renormalises_student_inputs():
    cfg = tiny_model_cfg('procd_retinanet.py')
    cfg.teacher_input = dict(rgb=True, mean=[127.5] * 3, std=[127.5] * 3)
    model = MODELS.build(cfg)
    seen = []
    model.teacher.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    raw = torch.rand(1, 3, 32, 32) * 255
    pre = model.data_preprocessor
    student_in = (raw - pre.mean.view(1, 3, 1, 1)) / pre.std.view(1, 3, 1, 1)
    model.teacher_forward(student_in)
    assert torch.allclose(seen[0], (raw - 127.5) / 127.5, atol=1e-4)


@pytest.mark.parametrize('path,levels,expected', [
    ('procd_retinanet.py', [0, 1, 2], [1, 2, 3]),  # ResNet-50: the last three stages
    ('procd_pspnet.py', [1, 2], [2, 3])])
def test_backbone_mimicking_pairs_stages_one_to_one(path, levels, expected):
    """mimic='backbone': teacher stage i against the i-th of the student backbone's last
    stages, through its own connector; the neck and heads get no distillation gradient."""
    cfg = dict(peer_cfg(path, 'PearsonFeatureLoss'), mimic='backbone', teacher_levels=levels)
    model = MODELS.build(cfg)
    model.init_weights()
    assert model.mimic_levels == expected
    assert [c.out_channels for c in model.connectors] == model.teacher_channels
    model.train()
    data = model.data_preprocessor(inputs_for(model), True)
    seen = []
    for conn in model.connectors:
        conn.register_forward_hook(lambda m, args, out: seen.append(out.shape[-2:]))
    losses = model(**data, mode='loss')
    backbone = model.adapter.backbone_features(data['inputs'])
    assert seen == [backbone[i].shape[-2:] for i in expected]  # at the stage's own size
    losses['distill.loss_feat'].backward()
    assert all(c.weight.grad is not None for c in model.connectors)
    assert any(p.grad is not None for p in model.student.backbone.parameters())
    assert all(p.grad is None for n, p in model.student.named_parameters()
               if not n.startswith('backbone.'))


@pytest.mark.parametrize('path', ['procd_retinanet.py', 'procd_pspnet.py'])
def test_zero_student_weight_distills_without_labels(path):
    """student_weight=0 (distill-then-fine-tune's first stage): only the feature loss; the
    neck and heads do not run, and the labels are never read."""
    cfg = dict(peer_cfg(path, 'PearsonFeatureLoss'), mimic='backbone', teacher_levels=[1, 2],
               student_weight=0.0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(inputs_for(model), True)
    ran = []
    for name in ('neck', 'decode_head', 'bbox_head'):
        if getattr(model.student, name, None) is not None:
            getattr(model.student, name).register_forward_pre_hook(
                lambda m, args, name=name: ran.append(name))
    losses = model(data['inputs'], [None] * len(data['inputs']), mode='loss')
    assert list(losses) == ['distill.loss_feat'] and not ran
    losses['distill.loss_feat'].backward()
    assert any(p.grad is not None for p in model.student.backbone.parameters())
    # what does not run is frozen: every trainable parameter got a gradient (DDP-safe)
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    assert all(n.startswith(('student.backbone.', 'connectors.')) for n, _ in trainable)
    assert all(p.grad is not None for _, p in trainable)


def test_bad_mimic_settings():
    with pytest.raises(ValueError, match="model.mimic must be 'heads' or 'backbone'"):
        MODELS.build(dict(peer_cfg('procd_retinanet.py', 'FeatureMSELoss'), mimic='neck'))
    with pytest.raises(ValueError, match='model.teacher_levels gives 3 levels but the student '
                                         'backbone has 1'):
        cfg = peer_cfg('procd_deeplabv3.py', 'FeatureMSELoss')
        cfg['student']['backbone']['out_indices'] = (3, )
        MODELS.build(dict(cfg, mimic='backbone', teacher_levels=[0, 1, 2]))


def test_procd_option_on_a_peer_is_an_error():
    """A ProC-KD option given to a peer names the key; the peer's own options and the
    teacher's are taken."""
    with pytest.raises(TypeError, match=r'FeatureDistiller has no option model\.guided_input; '
                                        r'its options are .*mimic.*teacher_amp'):
        MODELS.build(dict(peer_cfg('procd_retinanet.py', 'FeatureMSELoss'),
                          guided_input='backbone'))
