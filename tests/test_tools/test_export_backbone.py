# Copyright (c) procd_mm authors. All rights reserved.
"""tools/export_backbone.py: writes the file, prints how to load it, fails with a message."""
import pytest
import torch
from tools_testing import python_tool

pytestmark = pytest.mark.slow  # a subprocess


def test_tool_writes_the_file_and_prints_how_to_load_it(tmp_path):
    path = tmp_path / 'run.pth'
    torch.save(dict(state_dict={'student.backbone.conv1.weight': torch.randn(4, 3, 3, 3),
                                'student.neck.w': torch.zeros(1)}), path)
    out = tmp_path / 'b.pth'
    proc = python_tool('export_backbone.py', path, out)
    assert proc.returncode == 0, proc.stderr
    assert f"checkpoint='{out}', prefix='backbone.'" in proc.stdout
    assert set(torch.load(out, weights_only=True)['state_dict']) == {'backbone.conv1.weight'}
    torch.save(dict(state_dict={'x': torch.zeros(1)}), tmp_path / 'bad.pth')
    proc = python_tool('export_backbone.py', tmp_path / 'bad.pth', out)
    assert proc.returncode != 0 and 'export_backbone.py: ' in proc.stderr
    assert 'Traceback' not in proc.stderr
