# Copyright (c) procd_mm authors. All rights reserved.
"""ProCDistiller with every supported student, built from our configs on tiny inputs."""
import copy

import pytest
import torch
from mm_testing import inputs_for, teacher_keys, tiny_model_cfg
from mmengine.optim import build_optim_wrapper

from procd_mm.registry import MODELS

STUDENTS = ['procd_faster-rcnn.py', 'procd_mask-rcnn.py', 'procd_retinanet.py',
            'procd_fcos.py', 'procd_deeplabv3.py', 'procd_pspnet.py', 'procd_upernet.py']


def build(path='procd_retinanet.py', **overrides):
    cfg = tiny_model_cfg(path)
    cfg.update(overrides)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _values(v):
    return v if isinstance(v, (list, tuple)) else [v]


@pytest.mark.parametrize('path', STUDENTS)
def test_loss_and_predict(path):
    model = build(path)
    packed = inputs_for(model)
    model.train()
    assert not model.teacher.training  # train() never reaches the teacher
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    prefixes = {k.split('.')[0] for k in losses}
    # the two head passes run as one batch (joint.* = student + guided), except where the
    # heads do not allow it (Mask R-CNN's mask branch)
    passes = {'joint'} if model.joint_heads else {'student', 'guided'}
    assert model.joint_heads == ('mask' not in path)
    assert prefixes == passes | {'distill', 'proto'}
    assert any(k.split('.')[0] in passes - {'student'} and 'loss' in k for k in losses)
    assert 'distill.loss_feat' in losses
    assert {k for k in losses if k.startswith('distill.')} == {'distill.loss_feat'}
    for k, v in losses.items():
        assert all(torch.isfinite(x).all() for x in _values(v)), k
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert all(not p.requires_grad for p in model.teacher.parameters())
    assert model.proto_head.prototypes.grad is not None
    assert model.aligner.projs[0].weight.grad is not None
    model.eval()
    with torch.no_grad():
        results = model.val_step(packed)
    assert len(results) == len(packed['inputs'])
    assert ('pred_sem_seg' in results[0]) == (model.adapter.task == 'seg')


def test_init_weights_reaches_the_students_neck():
    """The augmentation neck is appended after the FPN; init_weights must still initialise
    the FPN as in the plain student (an nn.Sequential once hid it)."""
    torch.manual_seed(0)
    model = build()
    fpn, aug = model.adapter.pre_neck, model.aug_neck
    assert fpn.is_init and aug.is_init
    cfg = tiny_model_cfg('procd_retinanet.py')
    torch.manual_seed(0)
    plain = MODELS.build(cfg.student)
    plain.init_weights()
    for (name, p), q in zip(fpn.named_parameters(), plain.neck.parameters()):
        # the same init scheme: equal spread of the weights (different random draws)
        if p.dim() > 1:
            torch.testing.assert_close(p.std(), q.std(), rtol=0.1, atol=0.0, msg=name)


def test_teacher_outside_optimizer_state_dict_and_ddp():
    model = build()
    teacher_params = {id(p) for p in model.teacher.parameters()}
    assert not teacher_params & {id(p) for p in model.parameters()}
    assert not teacher_keys(model.state_dict())
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.1)))
    in_optim = {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    assert not teacher_params & in_optim
    assert {id(p) for p in model.proto_head.parameters()} <= in_optim
    # the teacher still follows device/dtype moves of the model
    model.to(torch.float64)
    assert next(model.teacher.parameters()).dtype == torch.float64


def test_teacher_runs_once_per_step_without_grad():
    model = build()
    calls = []
    model.teacher.register_forward_hook(
        lambda m, i, o: calls.append(torch.is_grad_enabled()))
    data = model.data_preprocessor(inputs_for(model), True)
    model.train()
    model(**data, mode='loss')
    assert calls == [False]


def test_teacher_autocast_option():
    model = build(teacher_amp=True)
    seen = []
    model.teacher.register_forward_hook(
        lambda m, i, o: seen.append(torch.is_autocast_enabled('cpu')))
    maps = model.teacher_forward(torch.randn(1, 3, 64, 64))
    assert seen == [True] and all(m.dtype == torch.float32 for m in maps)
    model = build(teacher_amp='auto')  # auto: only on CUDA
    seen.clear()
    model.teacher.register_forward_hook(
        lambda m, i, o: seen.append(torch.is_autocast_enabled('cpu')))
    model.teacher_forward(torch.randn(1, 3, 64, 64))
    assert seen == [False]


def test_predict_needs_no_teacher_and_uses_the_buffer():
    model = build()
    for m in model.aug_neck.augments:  # open the gate so the prototypes matter
        m.gate.data.fill_(0.5)
    packed = inputs_for(model)
    model.eval()
    with torch.no_grad():
        before = model.val_step(copy.deepcopy(packed))
        model.release_teacher()
        assert model.teacher is None
        after = model.val_step(copy.deepcopy(packed))
        # the student alone, through its own neck buffer
        data = model.data_preprocessor(copy.deepcopy(packed), False)
        alone = model.student.predict(data['inputs'], data['data_samples'])
    for a, b, c in zip(before, after, alone):
        assert torch.equal(a.pred_instances.bboxes, b.pred_instances.bboxes)
        assert torch.equal(a.pred_instances.bboxes, c.pred_instances.bboxes)
    assert torch.equal(model.aug_neck.prototypes, model.proto_head.prototypes.detach())
    with pytest.raises(RuntimeError, match='teacher was released'):
        model.teacher_forward(torch.zeros(1, 3, 32, 32))


def test_guided_off_is_the_no_teacher_control():
    """guided=False: the student and its augmentation neck with learnable prototypes,
    trained by the task losses alone; the teacher never runs and every trainable
    parameter gets a gradient (DDP with find_unused_parameters=False)."""
    model = build(guided=False)
    assert model.aligner is None and model.teacher_proj is None
    calls = []
    model.teacher.register_forward_hook(lambda m, i, o: calls.append(1))
    model.train()
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert {k.split('.')[0] for k in losses} == {'student'} and not calls
    total, _ = model.parse_losses(losses)
    total.backward()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert 'proto_head.prototypes' in trainable
    assert not {n for n in trainable if n.startswith('proto_head.')} - {'proto_head.prototypes'}
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not no_grad, no_grad


@pytest.mark.parametrize('per_level', [True, False])
def test_guided_features_per_level_and_residual(per_level, monkeypatch):
    """Per-level guidance feeds each student level a map fused on its own grid; the
    residual guided features add the detached student level, so the guided losses train
    the teacher path (aligner, prototype head) and never the student's backbone."""
    model = build(per_level_guided=per_level, guided_residual=True, joint_heads=False)
    seen = []
    original = model.aligner.forward

    def spy(feat, ref, index):
        seen.append((tuple(feat.shape[-2:]), tuple(ref.shape[-2:])))
        return original(feat, ref, index)

    monkeypatch.setattr(model.aligner, 'forward', spy)
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert len(seen) == len(model.aug_levels)
    if per_level:
        assert all(src == ref for src, ref in seen)
    else:
        assert len({src for src, _ in seen}) == 1
    guided, _ = model.parse_losses({k: v for k, v in losses.items() if k.startswith('guided.')})
    guided.backward()
    assert model.aligner.projs[0].weight.grad is not None
    assert all(p.grad is None for p in model.student.backbone.parameters())


@pytest.mark.parametrize('path,levels', [('procd_retinanet.py', [0, 1, 2]),
                                         ('procd_deeplabv3.py', [2])])  # ASPP reads one
@pytest.mark.parametrize('residual', [False, True])
def test_guided_input_backbone_runs_the_students_neck_on_teacher_levels(path, levels, residual,
                                                                       monkeypatch):
    """guided_input='backbone' projects each raw teacher level onto a level the student's
    neck (or heads) reads and runs the student's own neck on them: the guided losses train
    the projections, the neck, the prototype path and the heads, never the backbone."""
    model = build(path, guided_input='backbone', guided_residual=residual, joint_heads=False,
                  teacher_levels=levels)
    assert [p.in_channels for p in model.teacher_proj.projs] == model.teacher_channels
    backbone = model.adapter.backbone_features(torch.zeros(1, 3, 64, 64))
    assert [p.out_channels for p in model.teacher_proj.projs] == [
        backbone[i].shape[1] for i in model.neck_levels]
    pre_neck = model.adapter.pre_neck
    calls = []
    if pre_neck is not None:
        assert model.neck_levels == list(range(pre_neck.start_level, len(backbone)))
        monkeypatch.setattr(pre_neck, 'forward', lambda x, f=pre_neck.forward: calls.append(
            [t.shape[1] for t in x]) or f(x))
    else:
        assert model.neck_levels == model.aug_levels
    seen = []
    monkeypatch.setattr(model.teacher_proj, 'forward', lambda *a, f=model.teacher_proj.forward:
                        seen.append(a[-1]) or f(*a))
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert seen == list(range(len(levels)))  # every teacher level, once
    if pre_neck is not None:
        assert calls == [[b.shape[1] for b in backbone]] * 2  # student pass, guided pass
    guided, _ = model.parse_losses({k: v for k, v in losses.items() if k.startswith('guided.')})
    guided.backward()
    assert all(p.weight.grad is not None for p in model.teacher_proj.projs)
    assert all(p.weight.grad is not None for p in model.aligner.projs)
    if pre_neck is not None:
        assert any(p.grad is not None for p in pre_neck.parameters())
    assert all(p.grad is None for p in model.student.backbone.parameters())
    assert model.proto_head.prototypes.grad is not None


def test_guided_input_backbone_needs_one_teacher_level_per_read_level():
    with pytest.raises(ValueError, match="set model.teacher_levels to a list of 3"):
        build(guided_input='backbone', teacher_levels=[0, 1])


def test_guided_input_must_be_aug_or_backbone():
    for bad in ('neck', 'head'):
        with pytest.raises(ValueError, match="model.guided_input must be 'aug' or 'backbone'"):
            build(guided_input=bad)


def test_guided_pass_reuses_dense_targets(monkeypatch):
    from mmdet.models.dense_heads import AnchorHead
    calls = {'get_targets': 0, 'get_anchors': 0}
    for name in calls:
        original = getattr(AnchorHead, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(AnchorHead, name, counted)
    model = build('procd_retinanet.py', joint_heads=False)  # the separate passes
    data = model.data_preprocessor(inputs_for(model), True)
    model(**data, mode='loss')
    # student and guided passes share one target assignment and one set of anchors
    assert calls == {'get_targets': 1, 'get_anchors': 1}
    assert not {'get_targets', 'get_anchors'} & set(vars(model.student.bbox_head))


def test_guided_pass_reuses_point_priors():
    model = build('procd_fcos.py', joint_heads=False)
    generator = model.student.bbox_head.prior_generator
    calls = []
    original = generator.grid_priors
    counted = lambda *a, **k: calls.append(1) or original(*a, **k)  # noqa: E731
    generator.grid_priors = counted
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert len(calls) == 1 and 'guided.loss_cls' in losses
    assert vars(generator)['grid_priors'] is counted  # the step's override was undone


@pytest.mark.parametrize('joint', [False, True])
def test_guided_pass_reuses_proposals_and_roi_sampling(joint):
    model = build('procd_faster-rcnn.py', guided_roi_neg_fraction=0.25, joint_heads=joint)
    assert model.joint_heads == joint
    sampler = model.student.roi_head.bbox_sampler
    calls = []
    original = sampler.sample
    sampler.sample = lambda *a, **k: calls.append(1) or original(*a, **k)
    rois = []

    def count(res):
        rois.append((sum(r.pos_inds.numel() for r in res), sum(r.neg_inds.numel() for r in res)))

    if joint:  # one RoI pass: the student's B sampling results, then the guided B
        head = model.student.roi_head.bbox_head
        get_targets = head.get_targets
        head.get_targets = lambda res, *a, **k: count(res[:len(res) // 2]) or count(
            res[len(res) // 2:]) or get_targets(res, *a, **k)
    else:
        bbox_loss = model.student.roi_head.bbox_loss
        model.student.roi_head.bbox_loss = lambda x, res: count(res) or bbox_loss(x, res)
    packed = inputs_for(model)
    data = model.data_preprocessor(packed, True)
    model(**data, mode='loss')
    assert len(calls) == len(packed['inputs'])  # once per image, not once per pass
    (s_pos, s_neg), (g_pos, g_neg) = rois
    assert g_pos == s_pos  # the guided pass keeps every positive RoI ...
    assert 0 < g_neg < s_neg and abs(g_neg - s_neg / 4) <= len(packed['inputs'])  # ... 1/4 negs
    with pytest.raises(ValueError, match='guided_roi_neg_fraction must be in'):
        build('procd_faster-rcnn.py', guided_roi_neg_fraction=0)


def test_existing_aug_neck_in_student_config_is_used():
    cfg = tiny_model_cfg('procd_retinanet.py')
    neck = cfg.student.neck
    cfg.student.neck = [neck, dict(type='procd_mm.ProtoAugNeck', in_channels=[256] * 5,
                                   proto_channels=256, num_prototypes=72, embed_channels=16)]
    model = MODELS.build(cfg)
    assert model.aug_neck.augments[0].encoder.out_channels == 16
    cfg.proto_head = dict(num_prototypes=8)
    with pytest.raises(ValueError, match='make num_prototypes/proto_channels agree'):
        MODELS.build(cfg)


def test_segmentor_without_neck_gets_the_aug_neck_on_its_head_inputs():
    model = build('procd_deeplabv3.py', joint_heads=False)  # keys of the separate passes
    from procd_mm.models import ProtoAugNeck
    assert isinstance(model.student.neck, ProtoAugNeck)
    # DeepLabV3's decode head reads stage 4; its auxiliary FCN head (stage 3) is not augmented
    assert model.aug_levels == [3]
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert 'student.aux.loss_ce' in losses and 'guided.decode.loss_ce' in losses
    assert not any(k.startswith('guided.aux') for k in losses)  # no guided features there


def test_unsupported_student_is_named():
    cfg = tiny_model_cfg('procd_retinanet.py')
    cfg.student = dict(type='mmpretrain.ImageClassifier', backbone=dict(type='ResNet', depth=18))
    with pytest.raises(TypeError, match='unsupported student type'):
        MODELS.build(cfg)


def test_unreachable_teacher_url_says_how_to_use_a_local_file(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))  # no cached copy of the file
    cfg = tiny_model_cfg('procd_retinanet.py')
    cfg.teacher_ckpt = 'http://127.0.0.1:9/vit-tiny.pth'  # a closed loopback port
    with pytest.raises(RuntimeError, match=r'could not be downloaded.*--cfg-options '
                       r'model\.teacher_ckpt=/path/to/teacher\.pth'):
        MODELS.build(cfg)
