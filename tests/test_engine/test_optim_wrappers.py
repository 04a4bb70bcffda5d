# Copyright (c) procd_mm authors. All rights reserved.
import pytest
import torch
import torch.nn as nn
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS

from procd_mm.engine import CPUAmpOptimWrapper
from procd_mm.registry import OPTIM_WRAPPERS


def build(**kwargs):
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    # found from MMEngine's root registry by its scoped name, as the runner builds it
    wrapper = MMENGINE_OPTIM_WRAPPERS.build(
        dict(type='procd_mm.CPUAmpOptimWrapper', optimizer=optimizer, **kwargs))
    return model, wrapper


def test_registered_in_our_registry_only():
    assert OPTIM_WRAPPERS.get('CPUAmpOptimWrapper') is CPUAmpOptimWrapper
    assert 'CPUAmpOptimWrapper' not in MMENGINE_OPTIM_WRAPPERS.module_dict


def test_autocasts_to_bfloat16_and_steps():
    model, wrapper = build()
    x = torch.randn(3, 4)
    with wrapper.optim_context(model):
        out = model(x)
    assert out.dtype == torch.bfloat16
    assert model(x).dtype == torch.float32  # only inside the context
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().pow(2).mean())
    assert not torch.equal(model.weight, before)
    assert set(wrapper.state_dict()) == {'state', 'param_groups'}  # no loss scaler


def test_float16_is_refused_naming_the_key():
    with pytest.raises(ValueError, match=r"optim_wrapper.dtype .* must be 'bfloat16'"):
        build(dtype='float16')
