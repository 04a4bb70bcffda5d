# Copyright (c) procd_mm authors. All rights reserved.
import pickle
from collections import OrderedDict

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

from procd_mm.utils import (UnsafeCheckpointError, load_local_checkpoint, load_run_checkpoint,
                            read_checkpoint, revised_state_dict, trusted_checkpoints)


class Payload:
    """An arbitrary pickled object: safe loading must refuse it."""

    def __init__(self):
        self.x = 1


def test_plain_state_dict_loads_weights_only(tmp_path):
    path = tmp_path / 'w.pth'
    torch.save({'state_dict': {'weight': torch.ones(2)}}, path)
    ckpt = load_local_checkpoint(str(path))
    assert torch.equal(ckpt['state_dict']['weight'], torch.ones(2))
    assert torch.equal(read_checkpoint(str(path))['state_dict']['weight'], torch.ones(2))


def test_pickled_object_is_refused_with_clear_message(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'weight': torch.ones(2)}, 'meta': Payload()}, path)
    with pytest.raises(UnsafeCheckpointError,
                       match=r'weights_only=True\)\): Unsupported global: GLOBAL .*Payload'):
        load_local_checkpoint(str(path))
    with pytest.raises(UnsafeCheckpointError, match='load_run_checkpoint'):
        read_checkpoint(str(path))
    with trusted_checkpoints():
        assert isinstance(read_checkpoint(str(path))['meta'], Payload)
    # the trust ends with the block
    with pytest.raises(UnsafeCheckpointError):
        read_checkpoint(str(path))


def test_run_checkpoint_is_read_with_full_unpickling(tmp_path):
    path = tmp_path / 'iter_2.pth'
    torch.save({'state_dict': {'weight': torch.ones(2)}, 'meta': Payload()}, path)
    ckpt = load_run_checkpoint(str(path))
    assert isinstance(ckpt['meta'], Payload) and ckpt['state_dict']['weight'].device.type == 'cpu'
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_run_checkpoint(str(tmp_path / 'nope.pth'))


def test_urls_go_to_mmengines_loaders(tmp_path, monkeypatch):
    calls = []

    def fake(filename, map_location=None, logger=None):
        calls.append(filename)
        return {'from': 'mmengine'}

    monkeypatch.setattr(CheckpointLoader, 'load_checkpoint', staticmethod(fake))
    for url in ('https://example.org/w.pth', 's3://bucket/w.pth', 'torchvision://resnet18'):
        assert read_checkpoint(url) == {'from': 'mmengine'}
    assert calls == ['https://example.org/w.pth', 's3://bucket/w.pth', 'torchvision://resnet18']
    path = tmp_path / 'w.pth'
    torch.save({'w': torch.zeros(1)}, path)
    assert 'w' in read_checkpoint(str(path)) and len(calls) == 3  # a local file: not MMEngine


def test_revised_state_dict_keeps_metadata():
    state = torch.nn.BatchNorm1d(2).state_dict()
    wrapped = OrderedDict((f'module.{k}', v) for k, v in state.items())
    wrapped._metadata = state._metadata
    revised = revised_state_dict(wrapped)
    assert list(revised) == list(state)
    assert revised._metadata is state._metadata
    assert list(revised_state_dict(state, [('^running_', 'r_')]))[2:4] == ['r_mean', 'r_var']


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'))


def test_unpickling_error_type():
    assert issubclass(UnsafeCheckpointError, RuntimeError)
    assert not issubclass(pickle.UnpicklingError, UnsafeCheckpointError)
