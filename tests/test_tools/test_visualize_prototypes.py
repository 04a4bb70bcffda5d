# Copyright (c) procd_mm authors. All rights reserved.
"""tools/analysis/visualize_prototypes.py on a tiny distiller and a checkpoint written here."""
import importlib.util
import os.path as osp
import re

import mmcv
import numpy as np
import pytest
import torch
from mm_testing import ROOT, tiny_det_train_cfg
from mmengine.config import Config
from mmengine.registry import init_default_scope

from procd_mm.registry import MODELS
from procd_mm.utils.checkpoint import UnsafeCheckpointError
from procd_mm.visualization import prototype_palette

H, W = 48, 64  # not square: the padded bottom rows must be cropped off the pictures
K = 8


def load_tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'visualize_prototypes.py')
    spec = importlib.util.spec_from_file_location('visualize_prototypes', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('vis_tool')
    cfg = tiny_det_train_cfg(str(root), str(root / 'work'))
    init_default_scope('mmdet')
    teacher = MODELS.build(dict(cfg.model.teacher, _scope_='mmpretrain'))
    cfg.model.teacher_ckpt = str(root / 'teacher.pth')  # the teacher is not in CKPT
    torch.save({'state_dict': teacher.state_dict()}, cfg.model.teacher_ckpt)
    config = str(root / 'procd_tiny.py')
    cfg.dump(config)
    model = MODELS.build(cfg.model)
    with torch.no_grad():  # trained-looking prototypes and gates instead of the init values
        model.proto_head.prototypes.normal_()
        for p in model.aug_neck.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    ckpt = str(root / 'distiller.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    rng = np.random.RandomState(0)
    images = []
    for i in range(2):
        img = rng.randint(0, 255, (H, W, 3)).astype(np.uint8)
        img[8 * i:8 * i + 24, 16:48] = (30, 200, 90)
        images.append(str(root / f'img{i}.png'))
        mmcv.imwrite(img, images[-1])
    return root, config, ckpt, images


def expected_labels(model, img_bgr):
    """Teacher and student argmax labels per pixel, computed here without the tool."""
    tensor = torch.from_numpy(img_bgr.transpose(2, 0, 1).copy())
    inputs = model.data_preprocessor(dict(inputs=[tensor], data_samples=None), False)['inputs']
    assert inputs.shape[-2:] == (64, 64)  # padded to a multiple of 32
    model.eval()
    with torch.no_grad():
        teacher = model.proto_head(model.teacher_forward(inputs))['assignment'][0]
        base = model.adapter.base_features(inputs)
        neck = model.aug_neck
        ex = neck.augments[0].encoder(base[neck.levels[0]])
        protos = neck.proto_encoder(model.proto_head.prototypes)
        student = torch.einsum('ke,behw->bkhw', protos, ex)[0]
    labels = []
    for a in (teacher, student):
        lab = a.argmax(0)
        stride = 64 // lab.shape[0]
        lab = lab.repeat_interleave(stride, 0).repeat_interleave(stride, 1)
        labels.append(lab[:H, :W].numpy())
    return labels


def test_tool_writes_assignment_and_patch_pictures(setup):
    root, config, ckpt, images = setup
    out_dir = str(root / 'out')
    written = load_tool().main([config, ckpt, *images, '--out-dir', out_dir, '--img-size', '64',
                                '--topk', '3', '--patch-size', '16'])
    assert written == [osp.join(out_dir, 'img0_assignment.png'),
                       osp.join(out_dir, 'img1_assignment.png'),
                       osp.join(out_dir, 'prototype_patches.png')]
    init_default_scope('mmdet')
    model = load_tool().build_distiller(Config.fromfile(config), ckpt)
    palette = prototype_palette(K).astype(np.float32)
    for path, picture in zip(images, written[:2]):
        img_bgr = mmcv.imread(path)
        rgb = img_bgr[..., ::-1].astype(np.float32)
        pic = mmcv.imread(picture, channel_order='rgb')
        assert pic.shape == (H, 3 * W + 8, 3)
        assert np.array_equal(pic[:, :W], img_bgr[..., ::-1])
        t_labels, s_labels = expected_labels(model, img_bgr)
        for labels, x0 in ((t_labels, W + 4), (s_labels, 2 * W + 8)):
            want = (rgb * 0.5 + palette[labels] * 0.5).round().astype(np.uint8)
            assert np.array_equal(pic[:, x0:x0 + W], want)
    assert len(np.unique(s_labels)) > 1  # the picture shows several prototypes

    grid = mmcv.imread(written[2], channel_order='rgb')
    assert grid.shape == (K * 18, 4 * 18, 3)
    for k in range(K):
        assert (grid[k * 18 + 9, 9] == prototype_palette(K)[k]).all()
        assert grid[k * 18 + 1:k * 18 + 17, 19:35].std() > 0  # a real image patch


def test_tool_refuses_pickled_checkpoint_unless_trusted(setup, tmp_path):
    from mmengine.logging import HistoryBuffer
    root, config, ckpt, images = setup
    state = torch.load(ckpt, weights_only=True)
    state['message_hub'] = {'log_scalars': {'train/loss': HistoryBuffer()}}  # as runners save
    runner_ckpt = str(tmp_path / 'iter_2.pth')
    torch.save(state, runner_ckpt)
    args = [config, runner_ckpt, images[0], '--out-dir', str(tmp_path), '--img-size', '64']
    with pytest.raises(UnsafeCheckpointError, match='refused by safe loading'):
        load_tool().main(args)
    written = load_tool().main(args + ['--trusted'])
    assert osp.isfile(written[-1])


def test_tool_hints_trusted_for_runner_checkpoint(setup, tmp_path):
    """A run's own checkpoint holds pickled objects: the error says to pass --trusted."""
    root, config, ckpt, images = setup
    state = torch.load(ckpt, weights_only=True)
    from mmengine.logging import HistoryBuffer
    state['message_hub'] = {'log_scalars': {'train/loss': HistoryBuffer()}}  # a pickled object
    runner_ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save(state, runner_ckpt)
    init_default_scope('mmdet')
    with pytest.raises(UnsafeCheckpointError, match=re.escape(
            f'CKPT {runner_ckpt!r} holds pickled objects') + r'.*Pass --trusted.* for a '
            'checkpoint your own run wrote'):
        load_tool().build_distiller(Config.fromfile(config), runner_ckpt)
