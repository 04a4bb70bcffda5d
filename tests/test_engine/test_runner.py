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
