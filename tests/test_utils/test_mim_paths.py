# Copyright (c) procd_mm authors. All rights reserved.
"""`_base_ = ['procd_mm::...']` works from any directory, as `mmdet::` does."""
import os.path as osp

from mmengine.config import Config

import procd_mm  # noqa: F401  (registers the procd_mm:: scheme)
from procd_mm.utils.mim_paths import PACKAGE_DIR


def test_mim_folder_links_configs_and_tools():
    for name in ('configs', 'tools', 'model-index.yml', 'metafile.yml'):
        assert osp.exists(osp.join(PACKAGE_DIR, '.mim', name)), name
    assert osp.exists(osp.join(PACKAGE_DIR, '.mim', 'configs', 'procd_faster-rcnn.py'))


def test_procd_mm_base_config_resolves_from_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg_file = tmp_path / 'my_exp.py'
    cfg_file.write_text(
        "_base_ = ['procd_mm::procd/procd_vit-b_retinanet_r50_fpn_1x_coco.py']\n"
        "model = dict(proto_head=dict(num_prototypes=36))\n")
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.type == 'procd_mm.ProCDistiller'
    assert cfg.model.student.type == 'RetinaNet'
    assert cfg.model.proto_head.num_prototypes == 36
    # other packages still resolve as before
    det = tmp_path / 'det.py'
    det.write_text("_base_ = ['mmdet::retinanet/retinanet_r50_fpn_1x_coco.py']\n")
    assert Config.fromfile(str(det)).model.type == 'RetinaNet'
