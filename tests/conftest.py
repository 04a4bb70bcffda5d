# Copyright (c) procd_mm authors. All rights reserved.
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # tests/mm_testing.py


@pytest.fixture(autouse=True)
def _seed():
    import torch
    torch.manual_seed(0)
