# Copyright (c) procd_mm authors. All rights reserved.
"""Tools are command lines over the package: none imports another tool or loads one by path,
and neither tools nor tests change ``sys.path``."""
import ast
import glob
import os.path as osp

import pytest
from mm_testing import ROOT

TOOLS = sorted(glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True))
TESTS = sorted(glob.glob(osp.join(ROOT, 'tests', '**', '*.py'), recursive=True))
TOOL_MODULES = {osp.splitext(osp.basename(p))[0] for p in TOOLS}


def _rel(path):
    return osp.relpath(path, ROOT)


def _imported(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield ('.' * node.level) + node.module


@pytest.mark.parametrize('path', TOOLS, ids=_rel)
def test_a_tool_imports_no_other_tool(path):
    with open(path) as f:
        tree = ast.parse(f.read())
    bad = [m for m in _imported(tree)
           if m.split('.')[0] in ('tools', ) or m.lstrip('.').split('.')[0] in TOOL_MODULES
           or m.startswith('.')]
    assert not bad, f'{_rel(path)} imports tools: {bad}'


@pytest.mark.parametrize('path', TOOLS + TESTS, ids=_rel)
def test_no_sys_path_changes_and_no_tool_loaded_by_path(path):
    with open(path) as f:
        tree = ast.parse(f.read())
    used = set()
    for node in ast.walk(tree):  # code, not the strings that name these
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            used.add(f'{node.value.id}.{node.attr}')
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Name):
            used.add(node.id)
    used.update(_imported(tree))
    bad = used & {'sys.path', 'spec_from_file_location', 'runpy'}
    assert not bad, f'{_rel(path)} uses {sorted(bad)}'
