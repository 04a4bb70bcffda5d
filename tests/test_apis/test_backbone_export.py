# Copyright (c) procd_mm authors. All rights reserved.
"""Exporting a backbone from the checkpoints procd_mm writes: a pretraining run's
(``backbone.*``), a distiller's (``student.backbone.*``)."""
import hashlib

import pytest
import torch

from procd_mm.apis.backbone_export import backbone_state, export_backbone, init_cfg_line


def _ckpt(tmp_path, prefix, name='run.pth'):
    state = {f'{prefix}conv1.weight': torch.randn(4, 3, 3, 3),
             f'{prefix}bn1.running_mean': torch.randn(4),
             'objective.projectors.0.weight': torch.randn(2, 4, 1, 1),
             'neck.conv.weight': torch.randn(2, 2, 1, 1)}
    path = str(tmp_path / name)
    torch.save(dict(state_dict=state, meta=dict(iter=7)), path)
    return path, state


@pytest.mark.parametrize('prefix', ['backbone.', 'student.backbone.'])
def test_export_keeps_the_backbone_alone_under_backbone_keys(prefix, tmp_path):
    path, state = _ckpt(tmp_path, prefix)
    out = str(tmp_path / 'out' / 'backbone.pth')
    digest = export_backbone(path, out)
    with open(out, 'rb') as f:
        assert digest == hashlib.sha256(f.read()).hexdigest()
    ckpt = torch.load(out, weights_only=True)  # tensors and plain meta only
    assert set(ckpt['state_dict']) == {'backbone.conv1.weight', 'backbone.bn1.running_mean'}
    assert torch.equal(ckpt['state_dict']['backbone.conv1.weight'],
                       state[f'{prefix}conv1.weight'])
    with open(path, 'rb') as f:
        assert ckpt['meta']['source_sha256'] == hashlib.sha256(f.read()).hexdigest()
    assert ckpt['meta']['iter'] == 7 and ckpt['meta']['load_with'] == init_cfg_line(out)


def test_no_backbone_keys_is_a_clear_error():
    with pytest.raises(KeyError, match="no key starts with 'backbone.' or 'student.backbone.'"):
        backbone_state({'head.weight': torch.zeros(1)})
    assert set(backbone_state({'a.b.w': torch.zeros(1)}, source='a.')) == {'backbone.b.w'}
