# Copyright (c) procd_mm authors. All rights reserved.
"""ProCDistiller with every supported student, built from our configs on tiny inputs."""
import copy

import pytest
import torch
from mm_testing import inputs_for, is_segmentor, teacher_keys, tiny_model_cfg
from mmengine.optim import build_optim_wrapper

from procd_mm.models.distillers.guided_inputs import match_levels
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
    assert {k.split('.')[0] for k in losses} == {'student', 'guided', 'distill', 'proto'}
    task = {k.split('.', 1)[1] for k in losses if k.startswith('student.')}
    guided = {k.split('.', 1)[1] for k in losses if k.startswith('guided.')}
    # the guided pass runs the same heads (segmentors: not the auxiliary head)
    assert guided == {k for k in task if not k.startswith('aux.')} and guided
    assert {k for k in losses if k.startswith('distill.')} == {'distill.loss_feat'}
    for k, v in losses.items():
        assert all(torch.isfinite(x).all() for x in _values(v)), k
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert all(not p.requires_grad for p in model.teacher.parameters())
    assert model.aug_neck.prototypes.grad is not None
    assert model.guide.aligner.projs[0].weight.grad is not None
    model.eval()
    with torch.no_grad():
        results = model.val_step(packed)
    assert len(results) == len(packed['inputs'])
    assert ('pred_sem_seg' in results[0]) == is_segmentor(model)


@pytest.mark.parametrize('path', ['procd_retinanet.py', 'procd_faster-rcnn.py',
                                  'procd_deeplabv3.py'])
def test_student_losses_are_the_students_own(path):
    """``student.*`` is the student's own ``loss`` (with its augmentation neck) on the same
    images: same keys, same values, whatever the guided pass does beside it."""
    model = build(path)
    model.train()
    for m in model.modules():  # no random sampling or dropout: both calls see the same
        if isinstance(m, torch.nn.modules.dropout._DropoutNd):
            m.p = 0.0
    data = model.data_preprocessor(inputs_for(model), True)
    own = copy.deepcopy(model.student)
    torch.manual_seed(3)
    losses = model(**copy.deepcopy(data), mode='loss')
    torch.manual_seed(3)
    expected = own.loss(data['inputs'], data['data_samples'])
    got = {k.split('.', 1)[1]: v for k, v in losses.items() if k.startswith('student.')}
    assert got.keys() == expected.keys()
    for k in expected:
        for a, b in zip(_values(got[k]), _values(expected[k])):
            # the same computation; float32 re-ordering only
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=k)


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


def test_predict_needs_no_teacher():
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
        # the student alone, with the prototypes in its own neck
        data = model.data_preprocessor(copy.deepcopy(packed), False)
        alone = model.student.predict(data['inputs'], data['data_samples'])
    for a, b, c in zip(before, after, alone):
        assert torch.equal(a.pred_instances.bboxes, b.pred_instances.bboxes)
        assert torch.equal(a.pred_instances.bboxes, c.pred_instances.bboxes)
    with pytest.raises(RuntimeError, match='teacher was released'):
        model.teacher_forward(torch.zeros(1, 3, 32, 32))


def test_guided_off_is_the_no_teacher_control():
    """guided=False: the student and its augmentation neck with learnable prototypes,
    trained by the task losses alone; the teacher never runs, no prototype head is built,
    and every trainable parameter gets a gradient (DDP with find_unused_parameters=False)."""
    model = build(guided=False)
    assert model.guide is None and model.proto_head is None and model.loss_feat is None
    calls = []
    model.teacher.register_forward_hook(lambda m, i, o: calls.append(1))
    model.train()
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert {k.split('.')[0] for k in losses} == {'student'} and not calls
    total, _ = model.parse_losses(losses)
    total.backward()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert 'student.neck.1.prototypes' in trainable
    no_grad = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not no_grad, no_grad


def test_guided_features_on_each_levels_grid_and_residual(monkeypatch):
    """Each augmented level gets the teacher map fused on its own grid; the residual guided
    features add the detached student level, so the guided losses train the teacher path
    (aligner, prototype head) and never the student's backbone."""
    model = build(guided_input='aug', guided_residual=True)
    seen = []
    original = model.guide.aligner.forward

    def spy(feat, ref, index):
        seen.append((tuple(feat.shape[-2:]), tuple(ref.shape[-2:])))
        return original(feat, ref, index)

    monkeypatch.setattr(model.guide.aligner, 'forward', spy)
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert len(seen) == len(model.aug_levels)
    assert all(src == ref for src, ref in seen)
    guided, _ = model.parse_losses({k: v for k, v in losses.items() if k.startswith('guided.')})
    guided.backward()
    assert model.guide.aligner.projs[0].weight.grad is not None
    assert all(p.grad is None for p in model.student.backbone.parameters())


@pytest.mark.parametrize('path,levels', [('procd_retinanet.py', [0, 1, 2]),
                                         ('procd_deeplabv3.py', [2])])  # ASPP reads one
@pytest.mark.parametrize('residual', [False, True])
def test_guided_input_backbone_runs_the_students_neck_on_teacher_levels(path, levels, residual,
                                                                       monkeypatch):
    """guided_input='backbone' projects a raw teacher level onto each level the student's
    neck (or heads) reads and runs the student's own neck on them: the guided losses train
    the projections, the neck, the prototype path and the heads, never the backbone."""
    model = build(path, guided_input='backbone', guided_residual=residual,
                  teacher_levels=levels)
    guide = model.guide
    assert [p.in_channels for p in guide.teacher_proj.projs] == [
        model.teacher_channels[j] for j in guide.matched]
    backbone = model.adapter.backbone_features(torch.zeros(1, 3, 64, 64))
    assert [p.out_channels for p in guide.teacher_proj.projs] == [
        backbone[i].shape[1] for i in guide.read_levels]
    pre_neck = model.adapter.pre_neck
    calls = []
    if pre_neck is not None:
        assert guide.read_levels == list(range(pre_neck.start_level, len(backbone)))
        monkeypatch.setattr(pre_neck, 'forward', lambda x, f=pre_neck.forward: calls.append(
            [t.shape[1] for t in x]) or f(x))
    else:
        assert guide.read_levels == model.aug_levels
    seen = []
    monkeypatch.setattr(guide.teacher_proj, 'forward', lambda *a, f=guide.teacher_proj.forward:
                        seen.append(a[-1]) or f(*a))
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert seen == list(range(len(guide.read_levels)))  # every read level, once
    if pre_neck is not None:
        assert calls == [[b.shape[1] for b in backbone]] * 2  # student pass, guided pass
    guided, _ = model.parse_losses({k: v for k, v in losses.items() if k.startswith('guided.')})
    guided.backward()
    assert all(p.weight.grad is not None for p in guide.teacher_proj.projs)
    assert all(p.weight.grad is not None for p in guide.aligner.projs)
    if pre_neck is not None:
        assert any(p.grad is not None for p in pre_neck.parameters())
    assert all(p.grad is None for p in model.student.backbone.parameters())
    assert model.aug_neck.prototypes.grad is not None


def test_guided_input_backbone_matches_teacher_levels_by_stride():
    """Fewer teacher levels than the neck reads: each read level takes the teacher level
    nearest in stride, so swapping the student alone never needs the teacher edited."""
    cfg = tiny_model_cfg('procd_retinanet.py',
                         teacher=dict(type='mmpretrain.ResNet', depth=18, out_indices=(1, 2, 3)))
    cfg.update(guided_input='backbone', teacher_levels=[0, 1])
    model = MODELS.build(cfg)
    # RetinaNet's FPN reads strides 8, 16, 32; the teacher gives strides 8 and 16
    assert model.teacher_strides == [8, 16]
    assert model.guide.matched == [0, 1, 1]
    data = model.data_preprocessor(inputs_for(model), True)
    assert 'guided.loss_cls' in model(**data, mode='loss')


def test_match_levels():
    assert match_levels([8, 16, 32], [8, 16, 32]) == [0, 1, 2]
    assert match_levels([4, 8, 16, 32], [8, 16, 32]) == [0, 0, 1, 2]
    assert match_levels([8, 16, 32, 64], [16]) == [0, 0, 0, 0]
    # a ViT's layers share one stride: the student levels spread over them in order
    assert match_levels([8, 16, 32], [16, 16, 16]) == [0, 1, 2]
    assert match_levels([4, 8, 16, 32], [16, 16, 16]) == [0, 1, 1, 2]


def test_guided_input_is_named_when_unknown():
    for bad in ('neck', 'head'):
        with pytest.raises(ValueError, match=r"model.guided_input must be one of \('aug', "
                           r"'backbone'\), got '" + bad):
            build(guided_input=bad)


def test_guided_pass_reuses_the_student_passes_proposals(monkeypatch):
    """Two-stage detectors: the RPN proposes once per step (student pass); the guided pass
    runs the RPN's loss and the RoI head's loss on its features with those proposals."""
    model = build('procd_faster-rcnn.py')
    rpn, roi = model.student.rpn_head, model.student.roi_head
    calls = {'loss_and_predict': 0, 'loss': 0}
    proposals = []
    for name in calls:
        original = getattr(rpn, name)
        monkeypatch.setattr(rpn, name, lambda *a, _n=name, _f=original, **k:
                            calls.__setitem__(_n, calls[_n] + 1) or _f(*a, **k))
    roi_loss = roi.loss
    monkeypatch.setattr(roi, 'loss', lambda x, props, samples: proposals.append(
        [p.bboxes.clone() for p in props]) or roi_loss(x, props, samples))
    data = model.data_preprocessor(inputs_for(model), True)
    losses = model(**data, mode='loss')
    assert calls == {'loss_and_predict': 1, 'loss': 1}
    (student, guided) = proposals
    assert all(torch.equal(a, b) for a, b in zip(student, guided))
    assert {'student.loss_rpn_cls', 'guided.loss_rpn_cls', 'student.loss_cls',
            'guided.loss_cls', 'guided.loss_bbox'} <= losses.keys()


def test_older_checkpoints_load(tmp_path):
    """Checkpoints written when the prototypes lived in the prototype head (the neck held a
    copy one step behind) and the guided inputs' layers sat on the distiller load into
    this layout, the head's prototypes winning."""
    model = build(guided_input='backbone')
    state = model.state_dict()
    live = torch.randn_like(model.aug_neck.prototypes)
    old = {}
    for key, value in state.items():
        for now, before in (('guide.aligner.', 'aligner.'),
                            ('guide.teacher_proj.', 'teacher_proj.')):
            if key.startswith(now):
                key = before + key[len(now):]
        old[key] = value
    old['proto_head.prototypes'] = live  # the live copy; the neck's is stale
    fresh = build(guided_input='backbone')
    fresh.load_state_dict(old, strict=True)
    assert torch.equal(fresh.aug_neck.prototypes, live)
    assert torch.equal(fresh.guide.aligner.projs[0].weight,
                       model.guide.aligner.projs[0].weight)
    # mmengine's loader (used by the runner, load_from and resume) takes the same path
    from mmengine.runner.checkpoint import load_checkpoint
    torch.save({'state_dict': old}, tmp_path / 'old.pth')
    again = build(guided_input='backbone')
    load_checkpoint(again, str(tmp_path / 'old.pth'), strict=True)
    assert torch.equal(again.aug_neck.prototypes, live)
    # a guided=False model has no prototype head: the old head's keys are dropped
    control = build(guided=False)
    control.load_state_dict({k: v for k, v in old.items()
                             if not k.startswith(('aligner.', 'teacher_proj.'))}, strict=True)
    assert torch.equal(control.aug_neck.prototypes, live)


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
    model = build('procd_deeplabv3.py')
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
