# Copyright (c) procd_mm authors. All rights reserved.
"""`_base_ = ['procd_mm::...']` works from any directory once register_all_modules() (or
the tools) switched it on, as `mmdet::` does."""
import os.path as osp

from mmengine.config import Config

from procd_mm.utils import register_all_modules
from procd_mm.utils.mim_paths import PACKAGE_DIR


def test_mim_folder_links_configs_and_tools():
    for name in ('configs', 'tools', 'model-index.yml', 'metafile.yml'):
        assert osp.exists(osp.join(PACKAGE_DIR, '.mim', name)), name
    assert osp.exists(osp.join(PACKAGE_DIR, '.mim', 'configs', 'procd_faster-rcnn.py'))


def test_procd_mm_base_config_resolves_from_elsewhere(tmp_path, monkeypatch):
    register_all_modules(init_default_scope=False)
    monkeypatch.chdir(tmp_path)
    cfg_file = tmp_path / 'my_exp.py'
    cfg_file.write_text(
        "_base_ = ['procd_mm::procd/procd_vit-b_retinanet_r50_fpn_1x_coco.py']\n"
        "model = dict(proto_head=dict(num_prototypes=36))\n")
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.model.type == 'procd_mm.ProCDistiller'
    assert cfg.model.student.type == 'RetinaNet'
    assert cfg.model.proto_head.num_prototypes == 36
    # the shared bases resolve too (the README's Configs snippet)
    parts = tmp_path / 'parts.py'
    parts.write_text("_base_ = ['procd_mm::_base_/teachers/vit-b16_in1k.py',\n"
                     "          'procd_mm::_base_/procd/procd_det.py']\n")
    parts_cfg = Config.fromfile(str(parts))
    assert parts_cfg.teacher.type and 'procd_single_stage' in parts_cfg
    # other packages still resolve as before
    det = tmp_path / 'det.py'
    det.write_text("_base_ = ['mmdet::retinanet/retinanet_r50_fpn_1x_coco.py']\n")
    assert Config.fromfile(str(det)).model.type == 'RetinaNet'
