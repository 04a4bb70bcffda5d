# Copyright (c) procd_mm authors. All rights reserved.
"""The guided pass normalises with its own batch statistics and leaves the student's
BatchNorm running statistics to the student's pass."""
import copy

import pytest
import torch
from mm_testing import inputs_for, tiny_model_cfg
from torch.nn.modules.batchnorm import _BatchNorm

from procd_mm.models.distillers.batch_norm import batch_statistics_only
from procd_mm.registry import MODELS

BN_HEAD = {'bbox_head.norm_cfg': dict(type='BN', requires_grad=True)}
NO_DROPOUT = {'decode_head.dropout_ratio': 0.0, 'auxiliary_head.dropout_ratio': 0.0}


def _build(path, overrides, **model):
    cfg = tiny_model_cfg(path)
    cfg.update(model)
    for key, value in overrides.items():  # dotted student overrides
        node = cfg.student
        *parents, leaf = key.split('.')
        for p in parents:
            node = node[p]
        node[leaf] = value
    distiller = MODELS.build(cfg)
    distiller.init_weights()
    for aug in distiller.aug_neck.augments:  # open the gates: the prototypes matter
        aug.gate.data.fill_(0.5)
    return distiller


def _running_stats(module):
    return {n: b.clone() for n, b in module.named_buffers()
            if n.rsplit('.', 1)[-1] in ('running_mean', 'running_var', 'num_batches_tracked')}


@pytest.mark.parametrize('path,overrides,kwargs', [
    ('procd_deeplabv3.py', NO_DROPOUT, {}),
    ('procd_retinanet.py', BN_HEAD, {}),  # a detector with a BatchNorm head
    # the guided pass also runs the student's FPN (here with BatchNorm) on teacher levels
    ('procd_retinanet.py', dict(BN_HEAD, **{'neck.norm_cfg': dict(type='BN')}),
     dict(guided_input='backbone')),
])
def test_running_statistics_are_the_student_passes_alone(path, overrides, kwargs):
    model = _build(path, overrides, **kwargs)
    # the same student, run alone through its own loss: what a run without the guided
    # half would leave in the running statistics
    alone = copy.deepcopy(model.student)
    model.train()
    alone.train()
    stats = _running_stats(model.student)
    assert any(k.startswith(('decode_head', 'bbox_head')) for k in stats)
    for step in range(3):
        torch.manual_seed(step)
        packed = inputs_for(model)
        data = model.data_preprocessor(packed, True)
        with torch.no_grad():
            model(**data, mode='loss')
            alone.loss(data['inputs'], data['data_samples'])
    after, expected = _running_stats(model.student), _running_stats(alone)
    assert after.keys() == expected.keys()
    moved = [k for k in after if not torch.equal(after[k], stats[k])]
    assert moved, 'the student pass updated no running statistics'
    for name, value in expected.items():
        # float32 re-ordering only
        torch.testing.assert_close(after[name], value, rtol=1e-4, atol=1e-5, msg=name)


def test_batch_statistics_only_uses_the_batch_and_restores_the_layer():
    bn = torch.nn.BatchNorm2d(3, momentum=0.5)
    bn.running_mean.fill_(10.0)
    x = torch.randn(4, 3, 5, 5) * 2 + 3
    with batch_statistics_only(bn):
        y = bn(x)
    assert torch.equal(bn.running_mean, torch.full((3, ), 10.0))
    assert int(bn.num_batches_tracked) == 0
    assert bn.track_running_stats and 'track_running_stats' in vars(bn)
    # normalised with the batch's own statistics, as a training BatchNorm does
    fresh = torch.nn.BatchNorm2d(3).train()
    torch.testing.assert_close(y, fresh(x), rtol=1e-5, atol=1e-5)
    bn.eval()  # a layer in eval mode (norm_eval) keeps its running statistics
    with batch_statistics_only(bn):
        z = bn(x)
    torch.testing.assert_close(z, (x - 10.0) / torch.sqrt(bn.running_var[None, :, None, None]
                                                          + bn.eps), rtol=1e-5, atol=1e-5)
    assert isinstance(bn, _BatchNorm)
