# Copyright (c) procd_mm authors. All rights reserved.
"""Mixed precision on CPU: bfloat16 autocast through the distiller's loss and the runner."""
import math

import pytest
import torch
from mm_testing import det_inputs, tiny_det_train_cfg, write_tiny_coco
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

from procd_mm.registry import MODELS, OPTIM_WRAPPERS, RUNNERS


def build_tiny_distiller(tmp_path, **changes):
    init_default_scope('mmdet')
    cfg = tiny_det_train_cfg(str(tmp_path), str(tmp_path)).model
    cfg.update(changes)
    return MODELS.build(cfg)


def capture_dtypes(modules):
    """Record the output dtype of each named module's forward."""
    seen = {}

    def hook(name):

        def record(module, args, out):
            seen.setdefault(name, (out[0] if isinstance(out, (tuple, list)) else out).dtype)

        return record

    handles = [m.register_forward_hook(hook(name)) for name, m in modules.items()]
    return seen, handles


@pytest.mark.parametrize('teacher_amp, teacher_dtype', [(True, torch.bfloat16),
                                                       ('auto', torch.float32)])
def test_loss_under_cpu_bfloat16_autocast(tmp_path, teacher_amp, teacher_dtype):
    model = build_tiny_distiller(tmp_path, teacher_amp=teacher_amp)
    model.train()
    head = model.proto_head
    seen, handles = capture_dtypes({
        'teacher.conv1': model.teacher.conv1,
        'teacher.layer4': model.teacher.layer4,
        'proto_head.refine': head.refine[2],
        'proto_head.assign': head.assign,
        'proto_head.descriptor': head.descriptor,
        'student.backbone.conv1': model.student.backbone.conv1,
    })
    data = model.data_preprocessor(det_inputs(batch=2, size=(64, 64), num_classes=3), True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model.loss(**data)
        loss, log_vars = model.parse_losses(losses)
    for h in handles:
        h.remove()
    loss.backward()

    # autocast is on for the trainable parts and, with teacher_amp=True, for the teacher;
    # 'auto' keeps the teacher in float32 off CUDA (its autocast is switched off inside)
    assert seen['student.backbone.conv1'] == torch.bfloat16
    assert seen['proto_head.refine'] == torch.bfloat16
    assert seen['teacher.conv1'] == seen['teacher.layer4'] == teacher_dtype
    # the prototype normalisations and what is computed from them stay float32
    assert seen['proto_head.assign'] == torch.float32
    assert seen['proto_head.descriptor'] == torch.float32

    assert {'student.loss_cls', 'guided.loss_cls', 'distill.loss_feat'} <= losses.keys()
    for key, value in log_vars.items():
        assert math.isfinite(float(value)), key
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert any(n.startswith('proto_head.') for n in grads)
    assert any(n.startswith('student.backbone.') for n in grads)
    for name, grad in grads.items():
        assert torch.isfinite(grad).all(), name
        assert grad.dtype == torch.float32, name  # master weights stay float32


@pytest.mark.skipif(torch.cuda.is_available(), reason='tests the CPU-only refusal')
def test_amp_optim_wrapper_refuses_cpu():
    """MMEngine 0.10.7's AmpOptimWrapper asserts a GPU/NPU/MLU/MUSA device in __init__."""
    model = torch.nn.Linear(2, 2)
    with pytest.raises(AssertionError, match='only available training on gpu, npu, mlu or '
                       'musa'):
        OPTIM_WRAPPERS.build(dict(type='AmpOptimWrapper', dtype='bfloat16',
                                  optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))


class CPUBFloat16OptimWrapper(OptimWrapper):
    """Test-only: AmpOptimWrapper's ``optim_context`` (autocast around the data
    preprocessor and the forward) with CPU bfloat16 and no loss scaler (bfloat16 needs none)."""

    def optim_context(self, model):
        from contextlib import ExitStack
        stack = ExitStack()
        stack.enter_context(super().optim_context(model))
        stack.enter_context(torch.autocast('cpu', dtype=torch.bfloat16))
        return stack


class RecordLosses(Hook):

    def __init__(self):
        self.logs = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.logs.append({k: float(v) for k, v in outputs.items()})


# the Runner would move the model to the GPU, where CPU autocast does nothing
@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU autocast needs a CPU run')
def test_runner_trains_two_iterations_under_bfloat16_autocast(tmp_path):
    OPTIM_WRAPPERS.register_module(module=CPUBFloat16OptimWrapper, force=True)
    coco = write_tiny_coco(str(tmp_path / 'coco'))
    cfg = tiny_det_train_cfg(coco, str(tmp_path / 'work'), max_iters=2)
    cfg.model.teacher_amp = True
    cfg.optim_wrapper.type = 'procd_mm.CPUBFloat16OptimWrapper'
    cfg.custom_hooks = [dict(type='procd_mm.NonFiniteLossHook')]
    runner = RUNNERS.build(cfg)
    record = RecordLosses()
    runner.register_hook(record)
    seen, handles = capture_dtypes({'student.neck': runner.model.student.neck[0]})
    runner.train()
    for h in handles:
        h.remove()
    assert runner.iter == 2 and len(record.logs) == 2
    assert seen['student.neck'] == torch.bfloat16  # the forward really ran in autocast
    for log in record.logs:
        assert all(math.isfinite(v) for v in log.values()), log
    for name, p in runner.model.named_parameters():
        assert p.dtype == torch.float32 and torch.isfinite(p).all(), name
