# Copyright (c) procd_mm authors. All rights reserved.
import pickle

import pytest
import torch
from mmengine.runner import load_checkpoint

from procd_mm.utils import (UnsafeCheckpointError, load_local_checkpoint,
                            trusted_checkpoints)


class Payload:
    """An arbitrary pickled object: safe loading must refuse it."""

    def __init__(self):
        self.x = 1


def test_plain_state_dict_loads_weights_only(tmp_path):
    path = tmp_path / 'w.pth'
    torch.save({'state_dict': {'weight': torch.ones(2)}}, path)
    ckpt = load_local_checkpoint(str(path))
    assert torch.equal(ckpt['state_dict']['weight'], torch.ones(2))


def test_pickled_object_is_refused_with_clear_message(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'weight': torch.ones(2)}, 'meta': Payload()}, path)
    with pytest.raises(UnsafeCheckpointError, match=r'weights_only=True\)\): Unsupported global: GLOBAL .*Payload'):
        load_local_checkpoint(str(path))
    # MMEngine's loader goes through the same safe path
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(torch.nn.Linear(2, 2), str(path))
    with trusted_checkpoints():
        assert isinstance(load_local_checkpoint(str(path))['meta'], Payload)
    # the trust ends with the block
    with pytest.raises(UnsafeCheckpointError):
        load_local_checkpoint(str(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'))


def test_unpickling_error_type():
    assert issubclass(UnsafeCheckpointError, RuntimeError)
    assert not issubclass(pickle.UnpicklingError, UnsafeCheckpointError)
