# Copyright (c) procd_mm authors. All rights reserved.
"""Resuming a run's own checkpoint through MMEngine's Runner on torch >= 2.6."""
import pickle

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from procd_mm.engine import ProCDRunner


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, labels=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=((out.squeeze(1) - torch.stack(labels))**2).mean())
        return out


class ToyData(Dataset):

    def __len__(self):
        return 16

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(2, generator=g), labels=torch.randn((), generator=g))


def make_runner(work_dir, max_iters, resume=False):
    return ProCDRunner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=ToyData(), sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=4, num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(type='MultiStepLR', milestones=[3], by_epoch=False),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        resume=resume,
        default_scope='procd_mm')


def test_resume_restores_iteration_and_optimizer(tmp_path):
    runner = make_runner(tmp_path, max_iters=4)
    runner.train()
    ckpt_path = tmp_path / 'iter_4.pth'
    assert ckpt_path.exists()
    # The reason for the module: torch's default refuses MMEngine's own checkpoints.
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt_path, weights_only=True)
    saved = torch.load(ckpt_path, weights_only=False)

    resumed = make_runner(tmp_path, max_iters=6, resume=True)
    resumed.load_or_resume()
    assert resumed.iter == 4
    state = resumed.optim_wrapper.optimizer.state_dict()
    for k, v in saved['optimizer']['state'].items():
        assert torch.equal(state['state'][k]['momentum_buffer'], v['momentum_buffer'])
    assert resumed.param_schedulers[0].last_step == saved['param_schedulers'][0]['last_step'] > 0
    for name, p in resumed.model.state_dict().items():
        assert torch.equal(p, saved['state_dict'][name])
    resumed.train()
    assert resumed.iter == 6


def test_load_from_is_weights_only_unless_trusted(tmp_path):
    """``load_from`` may be a file from elsewhere: read weights-only. tools/test.py reads
    the run's own checkpoint inside trusted_checkpoints()."""
    from mmengine.logging import HistoryBuffer

    from procd_mm.utils import UnsafeCheckpointError, trusted_checkpoints
    weights = {k: torch.full_like(v, 0.5)
               for k, v in ToyModel().state_dict().items()}
    plain = tmp_path / 'plain.pth'
    torch.save({'state_dict': weights}, plain)
    runner = make_runner(tmp_path / 'a', max_iters=1)
    runner.load_checkpoint(str(plain))
    assert torch.equal(runner.model.linear.weight, torch.full((1, 2), 0.5))

    own = tmp_path / 'iter_1.pth'  # what a runner saves: pickled message-hub objects
    torch.save({'state_dict': {k: v * 2 for k, v in weights.items()},
                'message_hub': {'log_scalars': {'train/loss': HistoryBuffer()}}}, own)
    with pytest.raises(UnsafeCheckpointError, match='refused by safe loading'):
        runner.load_checkpoint(str(own))
    with trusted_checkpoints():
        ckpt = runner.load_checkpoint(str(own))
    assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'], HistoryBuffer)
    assert torch.equal(runner.model.linear.weight, torch.ones(1, 2))


def test_module_prefix_is_stripped_and_metadata_kept(tmp_path):
    model = ToyModel()
    state = model.state_dict()
    wrapped = type(state)((f'module.{k}', v + 1) for k, v in state.items())
    wrapped._metadata = state._metadata
    path = tmp_path / 'ddp.pth'
    torch.save({'state_dict': wrapped}, path)
    runner = make_runner(tmp_path / 'b', max_iters=1)
    runner.load_checkpoint(str(path), strict=True)
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, state[k] + 1), k
