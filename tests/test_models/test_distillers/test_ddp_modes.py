# Copyright (c) procd_mm authors. All rights reserved.
"""Every distiller mode of the shipped configs trains under DDP on two gloo ranks with
``find_unused_parameters=False``: every trainable parameter gets a gradient each step."""
import json
import os.path as osp

import pytest
import torch.multiprocessing as mp
from ddp_testing import MODE_KEYS, shipped_modes, worker


def test_the_shipped_modes_include_the_controls_and_variants():
    modes = shipped_modes()

    def column(key):
        return {m[2 + MODE_KEYS.index(key)] for m in modes}

    assert 'False' in column('guided')  # the no-teacher control
    assert {'aug', 'backbone'} <= column('guided_input')
    assert 'backbone' in column('mimic')  # PKD on the backbone stages


@pytest.mark.slow
def test_every_shipped_mode_two_ddp_steps(tmp_path):
    modes = [(f'{rel} {key}', rel) for key, rel in shipped_modes().items()]
    mp.spawn(worker, args=(2, str(tmp_path / 'init'), modes, str(tmp_path)), nprocs=2,
             join=True)
    for rank in (0, 1):
        path = tmp_path / f'rank{rank}.json'
        assert osp.isfile(path), f'rank {rank} wrote no results'
        results = json.loads(path.read_text())
        assert set(results) == {name for name, _ in modes}
        failed = {name: err for name, err in results.items() if err != 'ok'}
        assert not failed, '\n\n'.join(f'{n}:\n{e}' for n, e in failed.items())
