# Copyright (c) procd_mm authors. All rights reserved.
"""How a model holds its frozen teacher: outside its module tree."""
from typing import List, Optional

import torch.nn as nn
from torch import Tensor

from .frozen_teacher import FrozenTeacher


class TeacherHolder:
    """Mixin for an ``nn.Module`` that distils from a :class:`FrozenTeacher`.

    The teacher is kept in a list, so it is not in ``parameters()`` (not in the optimizer,
    not synchronised by DDP), not in ``state_dict()`` (it is rebuilt from its own checkpoint
    when a run resumes), and ``train()`` never reaches it. It still moves with
    ``to()``/``cuda()``/``half()``, which all go through :meth:`_apply`.
    """

    _teacher: List[FrozenTeacher]

    def hold_teacher(self, frozen: FrozenTeacher) -> None:
        """Keep ``frozen`` as this model's teacher (call after ``nn.Module.__init__``)."""
        self._teacher = [frozen]  # a list hides it from the module tree

    @property
    def teacher(self) -> Optional[nn.Module]:
        """The frozen teacher backbone (not a registered submodule); None once released
        with :meth:`release_teacher`."""
        return self._teacher[0].backbone if self._teacher else None

    def release_teacher(self) -> None:
        """Drop the teacher, e.g. to evaluate or export the student alone."""
        self._teacher.clear()

    def teacher_forward(self, inputs: Tensor) -> List[Tensor]:
        """The chosen teacher maps (float32) of the preprocessed images (B, 3, H, W), under
        no_grad and autocast (see :class:`FrozenTeacher`)."""
        if not self._teacher:
            raise RuntimeError('the teacher was released (release_teacher()); training needs it')
        return self._teacher[0](inputs)

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        if getattr(self, '_teacher', None):
            self._teacher[0]._apply(fn, *args, **kwargs)
        return self
