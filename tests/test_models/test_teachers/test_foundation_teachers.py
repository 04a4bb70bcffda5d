# Copyright (c) procd_mm authors. All rights reserved.
"""The foundation-model teacher files (DINOv2, EVA-02, CLIP, SAM): their keys, a ProC-KD step
into a detector and a segmentor and a step of distillation pretraining with each
architecture at small size, and a checkpoint laid
out as mmpretrain releases it loading strictly into the teacher."""
import copy
import math
import os.path as osp
import re

import mmpretrain
import pytest
import torch
import yaml
from mm_testing import CONFIGS, det_inputs, seg_inputs, tiny_model_cfg
from mmengine.config import Config
from mmpretrain.registry import MODELS as PRETRAIN_MODELS

from procd_mm.models.builders import build_teacher
from procd_mm.models.teachers.checkpoint import load_teacher_checkpoint
from procd_mm.registry import MODELS

TEACHERS = {  # file -> (mmpretrain metafile, model name in it, patch size)
    'dinov2-s14_lvd142m.py': ('dinov2', 'vit-small-p14_dinov2-pre_3rdparty', 14),
    'dinov2-b14_lvd142m.py': ('dinov2', 'vit-base-p14_dinov2-pre_3rdparty', 14),
    'eva02-b14_in21k.py': ('eva02', 'vit-base-p14_eva02-pre_in21k', 14),
    'clip-b16_openai_in1k.py': ('clip', 'vit-base-p16_clip-openai-pre_3rdparty_in1k', 16),
    'sam-b16_sa1b.py': ('sam', 'vit-base-p16_sam-pre_3rdparty_sa1b-1024px', 16),
}
SMALL_DEPTH = 3
# Parameters of a released file that are not the backbone's: the CLIP file is an ImageNet
# classifier whose VisionTransformerClsHead (768 -> 1000) the metafile counts; the other
# files are headless (neck=None, head=None in their configs).
HEAD_PARAMS = {'clip-b16_openai_in1k.py': 768 * 1000 + 1000}


def teacher_file(name):
    return Config.fromfile(osp.join(CONFIGS, '_base_', 'teachers', name))


def metafile_model(name):
    """The model entry of mmpretrain's own metafile (shipped in the package's .mim)."""
    folder, model, _ = TEACHERS[name]
    path = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'configs', folder, 'metafile.yml')
    with open(path) as f:
        models = yaml.safe_load(f)['Models']
    return next(m for m in models if m['Name'] == model)


def small_teacher(name):
    """The file's teacher at small size, random weights: the same type, patch size and layer
    types; images of 56 px (patch 14) or 64 px (patch 16), i.e. a 4x4 grid at build time, and
    the arch's first ``SMALL_DEPTH`` layers, all of them handed out."""
    cfg = copy.deepcopy(teacher_file(name).teacher)
    backbone = PRETRAIN_MODELS.get(cfg.type.split('.')[-1])
    arch = dict(backbone.arch_zoo[cfg.arch], num_layers=SMALL_DEPTH)  # a copy of the arch
    if 'global_attn_indexes' in arch:  # SAM: windowed layers 0, 1, global attention in 2
        arch['global_attn_indexes'] = [SMALL_DEPTH - 1]
    cfg.update(arch=arch, img_size=4 * cfg.patch_size, out_indices=tuple(range(SMALL_DEPTH)))
    return cfg


def layer_index(key):
    match = re.match(r'layers\.(\d+)\.', key)
    return int(match.group(1)) if match else None


@pytest.mark.parametrize('name', sorted(TEACHERS))
def test_teacher_file_keys(name):
    cfg = teacher_file(name)
    assert {'teacher', 'teacher_ckpt', 'teacher_input'} <= set(cfg)
    teacher = cfg.teacher
    assert teacher.type.startswith('mmpretrain.') and teacher.init_cfg is None
    assert teacher.out_type == 'featmap' and len(teacher.out_indices) == 3
    assert teacher.patch_size == TEACHERS[name][2]
    # the URL of mmpretrain's metafile, its file name included
    weights = metafile_model(name)['Weights']
    assert cfg.teacher_ckpt == weights and cfg.teacher_ckpt.endswith('.pth')
    assert osp.basename(cfg.teacher_ckpt) == osp.basename(weights)
    colour = cfg.teacher_input
    assert set(colour) == {'rgb', 'mean', 'std'} and colour.rgb is True
    for values in (colour.mean, colour.std):
        assert len(values) == 3 and all(isinstance(v, float) and 0 < v < 255 for v in values)


@pytest.mark.parametrize('name', sorted(TEACHERS))
def test_full_size_architecture_is_the_released_one(name):
    """The full-size architecture (built with random weights: about a second each) has the
    parameter count the metafile gives for the released file (rounded to thousands there),
    its outputs are three (B, C, H, W) maps on the patch grid, and the small build of the
    other tests has the same key names (those of its first layers)."""
    cfg = teacher_file(name).teacher
    full = build_teacher(cfg)
    count = sum(p.numel() for p in full.parameters()) + HEAD_PARAMS.get(name, 0)
    assert abs(count - metafile_model(name)['Metadata']['Parameters']) < 1000, count
    patch = TEACHERS[name][2]
    full.eval()
    with torch.no_grad():
        maps = full(torch.zeros(1, 3, 2 * patch, 3 * patch))
    assert len(maps) == 3 and all(m.shape[-2:] == (2, 3) for m in maps)
    small = build_teacher(small_teacher(name)).state_dict()
    full_keys = [k for k in full.state_dict()
                 if layer_index(k) is None or layer_index(k) < SMALL_DEPTH]
    assert sorted(small) == sorted(full_keys)


@pytest.fixture(scope='module')
def students():
    """Tiny RetinaNet and DeepLabV3 distiller configs (their default teacher replaced)."""
    return {'det': tiny_model_cfg('procd_retinanet.py'),
            'seg': tiny_model_cfg('procd_deeplabv3.py')}


def build_distiller(students, task, name, **changes):
    cfg = copy.deepcopy(students[task])
    file = teacher_file(name)
    cfg.teacher = small_teacher(name)
    cfg.teacher_ckpt = None
    cfg.teacher_input = file.teacher_input
    cfg.update(changes)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('task', ['det', 'seg'])
@pytest.mark.parametrize('name', sorted(TEACHERS))
def test_procd_step_with_foundation_teacher(students, name, task):
    model = build_distiller(students, task, name)
    patch = TEACHERS[name][2]
    assert model.teacher_strides == [patch] * SMALL_DEPTH  # measured exactly, patch 14 too
    # the teacher's maps: one per layer, on the patch grid of any image (rounded up)
    maps = model.teacher_forward(torch.zeros(1, 3, 8 * 14, 6 * 14))
    assert [tuple(m.shape[-2:]) for m in maps] == \
        [(math.ceil(112 / patch), math.ceil(84 / patch))] * SMALL_DEPTH
    seen = []
    model.teacher.register_forward_hook(
        lambda m, args, out: seen.append((args[0].shape, [o.shape for o in out])))
    if task == 'det':
        packed = det_inputs(batch=1, size=(64, 64))
    else:
        # two images: DeepLabV3's image pooling normalises over the batch
        packed = seg_inputs(batch=2, size=(64, 64),
                            num_classes=model.student.decode_head.num_classes)
    model.train()
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    for group in ('student.', 'guided.'):
        assert any(k.startswith(group) for k in losses), group
    assert 'distill.loss_feat' in losses
    for k, v in losses.items():
        if k.split('.')[0] in ('student', 'guided', 'distill'):
            for x in (v if isinstance(v, (list, tuple)) else [v]):
                assert torch.isfinite(x).all(), k
    (shape, outs), = seen
    grid = (math.ceil(shape[-2] / patch), math.ceil(shape[-1] / patch))
    width = model.teacher_channels[0]
    assert outs == [torch.Size((shape[0], width, *grid))] * SMALL_DEPTH
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.aug_neck.prototypes.grad is not None


@pytest.mark.parametrize('objective', ['PKDObjective', 'PatchSimilarityKLObjective'])
@pytest.mark.parametrize('name', sorted(TEACHERS))
def test_pretraining_step_with_foundation_teacher(name, objective):
    """One step of label-free distillation pretraining of a detector's backbone (the shipped
    COCO pretraining config's student, R50) from each teacher at small size, its colours
    converted from the student's, on 64-px images (a patch-14 grid of 5 x 5)."""
    from mmengine.optim import OptimWrapper

    from mm_testing import load_config
    from procd_mm.utils.offline import strip_downloads_and_syncbn
    cfg = copy.deepcopy(load_config('pretrain/pretrain_vit-b_faster-rcnn_r50_coco.py').model)
    strip_downloads_and_syncbn(cfg)
    colour = teacher_file(name).teacher_input
    cfg.update(teacher=small_teacher(name), teacher_ckpt=None, teacher_input=colour,
               objective=dict(type=f'procd_mm.{objective}'))
    model = MODELS.build(cfg)
    # the student's preprocessor gives RGB with the ImageNet statistics: a conversion only
    # for teachers trained with other statistics (CLIP, EVA-02)
    imagenet = ([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])
    assert model._teacher[0].converts == ((list(colour.mean), list(colour.std)) != imagenet)
    data = model.data_preprocessor(dict(inputs=[torch.randint(0, 256, (3, 64, 64),
                                                              dtype=torch.uint8)] * 2), True)
    before = model.backbone.conv1.weight.clone()
    log = model.train_step(data, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    assert torch.isfinite(log['loss']) and log['loss'] > 0
    assert not torch.equal(before, model.backbone.conv1.weight)
    assert all(p.grad is None for p in model.teacher.parameters())


@pytest.mark.parametrize('name', sorted(TEACHERS))
def test_released_layout_loads_strictly(students, name, tmp_path):
    """A checkpoint laid out as mmpretrain releases these files loads strictly through the
    distiller's teacher loading (model.teacher_ckpt, teacher_ckpt_strict=True).

    mmpretrain's releases are classifier checkpoints: the backbone under ``backbone.`` (its
    model converters, e.g. tools/model_converters/eva02_to_mmpretrain.py and
    clip_to_mmpretrain.py, prefix every backbone key so; the configs name an
    ``ImageClassifier``), and for CLIP the ImageNet head under ``head.``, which the teacher
    does not take. The files themselves are not read offline, so the keys are the
    architecture's own ``state_dict()`` (EVA-02's RoPE tables included, persistent buffers
    in mmpretrain and in EVA's code), written from the small build: its key names are those
    of the full-size architecture (test_full_size_architecture_is_the_released_one).
    """
    teacher = build_teacher(small_teacher(name))
    for p in teacher.parameters():
        torch.nn.init.normal_(p)  # distinct from any initialisation
    state = {f'backbone.{k}': v.clone() for k, v in teacher.state_dict().items()}
    if name in HEAD_PARAMS:
        state['head.layers.head.weight'] = torch.zeros(1000, teacher.embed_dims)
        state['head.layers.head.bias'] = torch.zeros(1000)
    path = tmp_path / osp.basename(teacher_file(name).teacher_ckpt)
    torch.save({'state_dict': state, 'meta': {}}, path)
    model = build_distiller(students, 'det', name, teacher_ckpt=str(path))
    own = model.teacher.state_dict()
    assert set(own) == {k[len('backbone.'):] for k in state if k.startswith('backbone.')}
    for k, v in own.items():
        if 'rope.freqs_' in k:
            # EVA-02's RoPE tables are no weights: mmpretrain's RotaryEmbeddingFast computes
            # them again for each new patch grid (here the distiller's probe image)
            grid = model.teacher.rope.patch_resolution
            assert v.shape[0] == grid[0] * grid[1], k
            continue
        assert torch.equal(v, state[f'backbone.{k}']), k
    # strict (the default): the same file less one weight is an error (a fresh build: the
    # distiller's probe has run its teacher, whose RoPE tables now fit the probe's grid)
    state.pop(next(k for k in state if k.startswith('backbone.layers.0.')))
    torch.save({'state_dict': state}, path)
    with pytest.raises(RuntimeError, match='1 of the teacher.s .* weights are not in'):
        load_teacher_checkpoint(build_teacher(small_teacher(name)), str(path))
