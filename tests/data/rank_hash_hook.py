# Copyright (c) procd_mm authors. All rights reserved.
"""Test-only hook: per-rank hashes of the student's and the teacher's weights.

Registered through ``custom_imports=dict(imports=['rank_hash_hook'])`` with ``tests/data``
on ``PYTHONPATH``; writes ``<work_dir>/hashes_rank<R>.json``.
"""
import hashlib
import json
import os.path as osp

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


def digest(tensors) -> str:
    """sha1 of the names and bytes of ``(name, tensor)`` pairs."""
    h = hashlib.sha1()
    for name, t in tensors:
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().float().numpy().tobytes())
    return h.hexdigest()


@HOOKS.register_module()
class RankHashHook(Hook):
    """Record, on every rank, hashes of the trainable weights and of the teacher."""

    def _model(self, runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _hashes(self, runner) -> dict:
        model = self._model(runner)
        return dict(
            student=digest(model.student.named_parameters()),
            trainable=digest(model.named_parameters()),
            prototypes=digest([('p', model.aug_neck.prototypes)]),
            teacher=digest(model.teacher.state_dict().items()),
            teacher_requires_grad=any(p.requires_grad for p in model.teacher.parameters()),
            teacher_training=model.teacher.training)

    def before_train(self, runner) -> None:
        self.before = self._hashes(runner)

    def after_train(self, runner) -> None:
        import torch.distributed as dist
        out = dict(
            rank=runner.rank,
            world_size=runner.world_size,
            backend=dist.get_backend() if dist.is_initialized() else None,
            wrapper=type(runner.model).__name__,
            iter=runner.iter,
            before=self.before,
            after=self._hashes(runner),
            threads=torch.get_num_threads())
        with open(osp.join(runner.work_dir, f'hashes_rank{runner.rank}.json'), 'w') as f:
            json.dump(out, f, indent=1)
