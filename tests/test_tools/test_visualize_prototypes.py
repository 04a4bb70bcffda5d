# Copyright (c) procd_mm authors. All rights reserved.
"""tools/analysis/visualize_prototypes.py on a tiny distiller and checkpoints written here."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mm_testing import tiny_det_train_cfg
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tools_testing import python_tool

from procd_mm.analysis import load_trained_distiller
from procd_mm.registry import MODELS
from procd_mm.visualization import TITLE_HEIGHT as T
from procd_mm.visualization import prototype_palette

pytestmark = pytest.mark.slow  # each test runs the tool (~10 s)

H, W = 48, 64  # not square: the padded bottom rows must be cropped off the pictures
K = 8
TOOL = 'analysis/visualize_prototypes.py'


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
        model.aug_neck.prototypes.normal_()
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
    neck = model.aug_neck
    with torch.no_grad():
        teacher = model.proto_head(model.teacher_forward(inputs),
                                   neck.prototypes)['assignment'][0]
        base = model.adapter.base_features(inputs)
        ex = neck.augments[0].encoder(base[neck.levels[0]])
        protos = neck.proto_encoder(neck.prototypes)
        student = torch.einsum('ke,behw->bkhw', protos, ex)[0]
    labels = []
    for a in (teacher, student):
        lab = a.argmax(0)
        stride = 64 // lab.shape[0]
        lab = lab.repeat_interleave(stride, 0).repeat_interleave(stride, 1)
        labels.append(lab[:H, :W].numpy())
    return labels


def run_tool(config, ckpt, images, out_dir):
    proc = python_tool(TOOL, config, ckpt, *images, '--out-dir', out_dir, '--img-size', 64,
                       '--topk', 3, '--patch-size', 16, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [ln for ln in proc.stdout.splitlines() if ln.endswith('.png')]  # the written paths


def check_pictures(config, ckpt, images, written):
    init_default_scope('mmdet')
    model = load_trained_distiller(Config.fromfile(config), ckpt)
    palette = prototype_palette(K)
    for path, picture in zip(images, written[:2]):
        img_bgr = mmcv.imread(path)
        rgb = img_bgr[..., ::-1].astype(np.float32)
        pic = mmcv.imread(picture, channel_order='rgb')
        assert pic.shape[1] == 3 * W + 8 and pic.shape[0] >= T + H + T
        for x0 in (0, W + 4, 2 * W + 8):  # each panel under its title
            assert (pic[:T, x0:x0 + W] < 128).any(), 'no title text'
        assert np.array_equal(pic[T:T + H, :W], img_bgr[..., ::-1])
        t_labels, s_labels = expected_labels(model, img_bgr)
        for labels, x0 in ((t_labels, W + 4), (s_labels, 2 * W + 8)):
            want = (rgb * 0.5 + palette[labels].astype(np.float32) * 0.5).round()
            assert np.array_equal(pic[T:T + H, x0:x0 + W], want.astype(np.uint8))
        # the legend below lists the colour of every prototype in the picture, and no other
        legend = pic[T + H:].reshape(-1, 3)
        used = set(np.unique(t_labels)) | set(np.unique(s_labels))
        for k in range(K):
            assert (legend == palette[k]).all(1).any() == (k in used), k
    assert len(np.unique(s_labels)) > 1  # the picture shows several prototypes

    grid = mmcv.imread(written[2], channel_order='rgb')
    assert grid.shape == (T + K * 18, 4 * 18, 3)
    assert (grid[:T] < 128).any()  # its title
    for k in range(K):
        assert (grid[T + k * 18 + 15, 15] == palette[k]).all()  # the colour cell
        assert grid[T + k * 18 + 1:T + k * 18 + 17, 19:35].std() > 0  # a real image patch


def test_tool_writes_titled_pictures_with_legend(setup):
    root, config, ckpt, images = setup
    out_dir = str(root / 'out')
    written = run_tool(config, ckpt, images, out_dir)
    assert written == [osp.join(out_dir, 'img0_assignment.png'),
                       osp.join(out_dir, 'img1_assignment.png'),
                       osp.join(out_dir, 'prototype_patches.png')]
    check_pictures(config, ckpt, images, written)


def test_runner_checkpoint_loads_without_a_flag(setup, tmp_path):
    """The run's own checkpoint (pickled message hub) loads as tools/test.py loads it."""
    from mmengine.logging import HistoryBuffer
    root, config, ckpt, images = setup
    state = torch.load(ckpt, weights_only=True)
    state['message_hub'] = {'log_scalars': {'train/loss': HistoryBuffer()}}  # as runners save
    runner_ckpt = str(tmp_path / 'iter_2.pth')
    torch.save(state, runner_ckpt)
    written = run_tool(config, runner_ckpt, images, str(tmp_path))
    check_pictures(config, runner_ckpt, images, written)
