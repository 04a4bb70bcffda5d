# Copyright (c) procd_mm authors. All rights reserved.
"""configs/zoo: every method builds, and all methods of a task share student and schedule."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from procd_mm.zoo.catalogue import ROOT

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'zoo', '[ds]e[tg]', '*.py')))
EXPECTED = {
    'plain': None, 'fitnet': 'FeatureDistiller', 'pkd': 'FeatureDistiller',
    'pkd-bb': 'FeatureDistiller', 'procd-aug': 'ProCDistiller',
    'procd': 'ProCDistiller', 'procd-k8': 'ProCDistiller', 'procd-k32': 'ProCDistiller',
    'procd-k72': 'ProCDistiller',
    'procd-noguided': 'ProCDistiller', 'procd-nofeat': 'ProCDistiller',
    'procd-nores': 'ProCDistiller', 'procd-randteacher': 'ProCDistiller',
    'init-teacher': None, 'frozen-teacher': None, 'dft': None,
    'dft-distill': 'FeatureDistiller',
    'pt-plain': None, 'pt-procd': 'ProCDistiller', 'pt-procd-randteacher': 'ProCDistiller',
    'pt-pkd-bb': 'FeatureDistiller', 'pt-dft': None, 'pt-dft-distill': 'FeatureDistiller',
    **{f'pt-dft-{o}{stage}': 'BackboneDistiller' if stage else None
       for o in ('pkd', 'cos', 'mse', 'pkl', 'proto', 'proto-randteacher')
       for stage in ('', '-distill')},
    'pt-dft-procd': 'ProCDistiller', 'pt-dft-procd-randteacher': 'ProCDistiller',
    'pt-plain-long': None}
# Each BackboneDistiller stage 1's objective and teacher levels (the R50's three stages);
# 'proto' adds the prototype structure to PKD.
OBJECTIVES = {'pkd': ('PKDObjective', [0, 1, 2]), 'cos': ('CosineSmoothL1Objective', [2]),
              'mse': ('MLPMSEObjective', [2]), 'pkl': ('PatchSimilarityKLObjective', [2])}
# Peers whose student differs from the plain one only in how its backbone starts/trains,
# and the realistic regime (student backbone pretrained).
BACKBONE_PEERS = {'init-teacher', 'frozen-teacher', 'dft', 'pt-plain', 'pt-plain-long',
                  'pt-procd',
                  'pt-procd-randteacher', 'pt-pkd-bb', 'pt-dft', 'pt-dft-distill',
                  *(m for m in EXPECTED if m.startswith('pt-dft-'))}
# Rows that need the teacher's architecture in the student backbone (detection only: the
# segmentation student's ResNetV1c stem differs from the teacher's ResNet).
DET_ONLY = {'init-teacher', 'frozen-teacher'}
# The realistic regime's student pretraining of each task (its own backbone type).
STUDENT_PRETRAIN = {'det': 'student_r18/student_r18_procd-parts-pretrain.pth',
                    'seg': 'student_r18v1c/student_r18v1c_procd-parts-pretrain.pth'}
# Each task's default K (chosen on val); its K ablations are the other two values.
DEFAULT_K = {'det': 32, 'seg': 8}
# Where each task's guided pass enters the student; the other entry is an ablation.
DEFAULT_GUIDED_INPUT = {'det': 'backbone', 'seg': 'aug'}


def _method(path):
    return osp.basename(path)[:-3].split('_parts_')[1]


def test_every_method_for_both_tasks():
    found = {(osp.basename(osp.dirname(p)), _method(p)) for p in CONFIGS}
    assert found == {(t, m) for t, k in DEFAULT_K.items() for m in EXPECTED
                     if m != f'procd-k{k}' and not (t == 'seg' and m == 'procd-aug')
                     and not (t == 'seg' and m in DET_ONLY)}


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.basename(p)[:-3])
def test_same_student_and_schedule_as_plain(path):
    cfg = Config.fromfile(path)
    plain = Config.fromfile(path.rsplit('_parts_', 1)[0] + '_parts_plain.py')
    student = (cfg.model.student if 'student' in cfg.model else cfg.model).to_dict()
    method = _method(path)
    task = osp.basename(osp.dirname(path))
    pretrained = method.startswith('pt-')
    second_stage = method.startswith('pt-dft') and not method.endswith('-distill')
    backbone_distiller = EXPECTED[method] == 'BackboneDistiller'
    if pretrained:  # pt-dft's stage 2 starts from its stage 1, which starts pretrained
        assert student['backbone']['init_cfg']['checkpoint'].endswith(
            'dft-distill.pth' if second_stage else STUDENT_PRETRAIN[task])
        if EXPECTED[method]:
            assert cfg.model.teacher.depth == 50
    if method in BACKBONE_PEERS:
        init = student['backbone'].pop('init_cfg')
        assert init['type'] == 'Pretrained'
        assert init['prefix'] == 'backbone.'
        if method == 'frozen-teacher':
            assert student['backbone'].pop('frozen_stages') == 4
            assert student['backbone'].pop('norm_eval') is True
        student['backbone']['init_cfg'] = None
        assert plain.model.backbone.init_cfg is None
        student['backbone'] = dict(plain.model.backbone.to_dict(), **student['backbone'])
    assert student == plain.model.to_dict()
    for key in ('train_cfg', 'optim_wrapper', 'param_scheduler', 'train_dataloader',
                'test_dataloader', 'test_evaluator'):
        if method.endswith('-distill') and key in ('train_cfg', 'param_scheduler'):
            continue  # stage 1 runs half the schedule, checked below
        if backbone_distiller and key != 'optim_wrapper':
            continue  # no labels, nothing tested: checked below
        assert cfg[key] == plain[key], key
    if method.endswith('-distill'):
        assert cfg.train_cfg.max_iters * 2 == plain.train_cfg.max_iters
    if method.endswith('dft-distill'):
        assert cfg.model.student_weight == 0 and cfg.model.mimic == 'backbone'
    if backbone_distiller:  # the plain run's training images as a folder, same batch
        loader, plain_loader = cfg.train_dataloader, plain.train_dataloader
        assert loader.dataset.type == 'procd_mm.UnlabelledImageFolder'
        assert loader.dataset.data_root == plain_loader.dataset.data_root
        assert loader.dataset.data_prefix.img_path == plain_loader.dataset.data_prefix.get(
            'img', plain_loader.dataset.data_prefix.get('img_path')).rstrip('/') + '/'
        assert loader.batch_size == plain_loader.batch_size
        assert cfg.test_dataloader is None and cfg.val_dataloader is None
        name = method.split('-')[2]
        objective = cfg.model.objective
        if name == 'proto':  # PKD and the prototype structure, K the task's ProC-KD K
            objective, proto = objective
            assert proto.type == 'procd_mm.PrototypeStructureObjective'
            assert proto.num_prototypes == DEFAULT_K[task]
            name = 'pkd'
        assert objective.type == f'procd_mm.{OBJECTIVES[name][0]}'
        assert cfg.model.teacher_levels == OBJECTIVES[name][1]
    assert (cfg.model.type.split('.')[-1] if EXPECTED[method] else None) == EXPECTED[method]
    row = method
    method = method[3:] if pretrained else method  # the same checks as its scratch row
    if method.startswith('pkd') or method == 'dft-distill':
        assert cfg.model.loss_feat.type == 'procd_mm.PearsonFeatureLoss'
        assert cfg.model.get('mimic', 'heads') == (
            'heads' if method == 'pkd' else 'backbone')
    if method == 'fitnet':
        assert cfg.model.loss_feat.type == 'procd_mm.FeatureMSELoss'
    if method.startswith('procd'):
        k = int(method[7:]) if method.startswith('procd-k') else DEFAULT_K[task]
        assert cfg.model.proto_head.num_prototypes == k
        assert cfg.model.guided == (method != 'procd-noguided')
        assert (cfg.model.loss_feat is None) == (method == 'procd-nofeat')
        assert cfg.model.get('guided_residual', True) == (method != 'procd-nores')
        assert cfg.model.get('guided_input', 'aug') == (
            'aug' if method == 'procd-aug' else DEFAULT_GUIDED_INPUT[task])
    if EXPECTED[row] and 'randteacher' in method:
        assert cfg.model.teacher_ckpt is None
    elif EXPECTED[row]:
        assert cfg.model.teacher_ckpt.endswith('teacher_r50_procd-parts-large.pth'
                                               if pretrained else
                                               'teacher_r18_procd-parts.pth')


@pytest.mark.parametrize('name', ['det/retinanet_r18_parts_procd-k8',
                                  'seg/fcn_r18_parts_pkd', 'det/retinanet_r18_parts_pkd-bb'])
def test_builds_with_a_random_teacher(name):
    from procd_mm.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'zoo', name + '.py'))
    init_default_scope(cfg.default_scope)
    cfg.model.teacher_ckpt = None
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == cfg.model.type.split('.')[-1]
    if hasattr(model, 'proto_head'):
        assert model.proto_head.num_prototypes == 8
        assert model.aug_neck.prototypes.shape == (8, 64)
        assert model.guide.read_levels == [0, 1, 2]  # the FPN reads all three stages
    if cfg.model.get('mimic') == 'backbone':
        assert model.mimic_levels == [0, 1, 2]


def _built_from_checkpoint(config: str, state_dict: dict, tmp_path):
    """The zoo config's model, built and initialised with its backbone's checkpoint replaced
    by one holding ``state_dict``."""
    import torch

    from procd_mm.registry import MODELS
    ckpt = tmp_path / 'ckpt.pth'
    torch.save(dict(state_dict=state_dict), ckpt)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'zoo', config))
    init_default_scope(cfg.default_scope)
    cfg.model.backbone.init_cfg.checkpoint = str(ckpt)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


@pytest.mark.parametrize('method,prefix', [('init-teacher', 'backbone.'),
                                           ('frozen-teacher', 'backbone.'),
                                           ('dft', 'backbone.')])
def test_backbone_peers_load_every_backbone_weight(tmp_path, method, prefix):
    """The student backbone of init-teacher / frozen-teacher starts as the teacher's (from a
    classifier checkpoint, ``backbone.*``), dft's as its stage-1 student's: every tensor."""
    import torch
    from mmpretrain.models import ResNet
    torch.manual_seed(0)
    src = ResNet(depth=18).state_dict()
    model = _built_from_checkpoint(f'det/retinanet_r18_parts_{method}.py',
                                   {prefix + k: v for k, v in src.items()}, tmp_path)
    got = model.backbone.state_dict()
    assert set(got) == set(src)
    assert all(torch.equal(got[k], src[k]) for k in src)
    if method == 'frozen-teacher':
        model.train()
        assert not any(p.requires_grad for p in model.backbone.parameters())
        assert all(not m.training for m in model.backbone.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))


@pytest.mark.parametrize('task,student', [('det', 'retinanet_r18'), ('seg', 'fcn_r18')])
def test_pretrained_regime_loads_every_backbone_weight(tmp_path, task, student):
    """The realistic regime's student starts from its own classification pretraining: the
    classifier its pretraining config builds has the student's backbone, every tensor loads."""
    import torch
    from mmpretrain.registry import MODELS as CLS_MODELS
    name = osp.dirname(STUDENT_PRETRAIN[task])
    pre = Config.fromfile(osp.join(ROOT, 'configs', 'zoo',
                                   f'{name}_procd-parts-cls-pretrain.py'))
    init_default_scope(pre.default_scope)
    torch.manual_seed(0)
    src = CLS_MODELS.build(pre.model).state_dict()
    model = _built_from_checkpoint(f'{task}/{student}_parts_pt-plain.py', src, tmp_path)
    got = model.backbone.state_dict()
    want = {k[len('backbone.'):]: v for k, v in src.items() if k.startswith('backbone.')}
    assert set(got) == set(want)
    assert all(torch.equal(got[k], want[k]) for k in want)
