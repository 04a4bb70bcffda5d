# Copyright (c) procd_mm authors. All rights reserved.
import pytest


@pytest.fixture(autouse=True)
def _seed():
    import torch
    torch.manual_seed(0)


# Tests measured over ~5 s (OMP_NUM_THREADS=1, 2 cores) in files whose owners have not
# marked them yet: marked `slow` here, by test (all parameters) or by full node id. The
# others carry @pytest.mark.slow / pytestmark in their own files.
SLOW_TESTS = {
    'tests/test_models/test_distillers/test_ddp_modes.py::test_every_shipped_mode_two_ddp_steps',
    'tests/test_models/test_distillers/test_procd_distiller.py::'
    'test_loss_and_predict[procd_mask-rcnn.py]',
    'tests/test_models/test_distillers/test_procd_distiller.py::'
    'test_loss_and_predict[procd_faster-rcnn.py]',
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in SLOW_TESTS or item.nodeid.split('[')[0] in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
