# Copyright (c) procd_mm authors. All rights reserved.
"""Shared helpers of the model-zoo tests: import the zoo tools and write a small ProC-Parts."""
import importlib.util
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL = dict(cls_train=4, cls_val=2, det_train=12, det_val=4, det_test=8)


def load_tool(rel_path: str):
    """Import a script under ``tools/`` as a module."""
    name = osp.splitext(osp.basename(rel_path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_parts():
    """The generator module."""
    return load_tool('tools/dataset_converters/make_procd_parts.py')
