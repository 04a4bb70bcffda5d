# Copyright (c) procd_mm authors. All rights reserved.
"""What the distiller asks of a student family, and the choice of adapter for a student.

An adapter is the only code that knows its family: which levels the heads read, where the
augmentation neck sits, and how the family's heads turn given features into task losses,
through the heads' public methods. Adding a family is one new file with one
:func:`register_adapter` class.
"""
import inspect
from importlib import import_module
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Type

import torch
import torch.nn as nn
from mmengine.model import Sequential
from torch import Tensor

from procd_mm.models.builders import (PROBE_SIZE, build_in_scope, dummy_run, eval_mode,
                                      levels_of, scoped_type)
from procd_mm.models.necks.proto_aug_neck import ProtoAugNeck

STUDENT_SCOPES = ('mmdet', 'mmseg')

_ADAPTERS: List[Type['StudentAdapter']] = []


def register_adapter(cls: Type['StudentAdapter']) -> Type['StudentAdapter']:
    """Class decorator: make ``cls`` one of the adapters :func:`build_adapter` picks from."""
    _ADAPTERS.append(cls)
    return cls


def supported_students() -> str:
    """The supported student families, in words (for error messages)."""
    return ', '.join(a.family for a in _ADAPTERS)


def adapter_class(student_cls: type) -> Optional[Type['StudentAdapter']]:
    """The adapter of the most specific family ``student_cls`` belongs to (``RPN`` before
    ``SingleStageDetector``), or None."""
    mro = student_cls.__mro__
    found = [a for a in _ADAPTERS if a.base_class() in mro]
    return min(found, key=lambda a: mro.index(a.base_class())) if found else None


def build_student(cfg: dict) -> nn.Module:
    """Build a student of a supported family from its own model config.

    The scope is taken from ``_scope_`` (set by ``mmdet::``/``mmseg::`` base configs), a
    scoped type, or found in the mmdet and mmseg registries. Unsupported types, and
    students whose ``loss`` differs from their family's, fail before anything is built.
    """
    scope, name = scoped_type(cfg, 'model.student', STUDENT_SCOPES)
    cls = import_module(f'{scope}.registry').MODELS.get(name) if scope in STUDENT_SCOPES \
        else None
    adapter = adapter_class(cls) if cls is not None else None
    if adapter is None:
        raise TypeError(f'model.student: unsupported student type {cfg["type"]!r} (scope '
                        f'{scope!r}); supported are {supported_students()}')
    adapter.check_class(cls)
    try:
        return build_in_scope(cfg, scope)
    except TypeError as e:  # e.g. RetinaNet without a neck: missing constructor argument
        raise TypeError(f'model.student ({scope}.{name}) could not be built from its config: '
                        f'{e}. Check the keys of model.student (a detector needs '
                        'backbone, neck and heads).') from e


def build_adapter(student: nn.Module) -> 'StudentAdapter':
    """The adapter for ``student``, or a ``TypeError`` naming what is supported."""
    cls = adapter_class(type(student))
    if cls is None:
        raise TypeError(f'model.student: unsupported student type {type(student).__name__!r}; '
                        f'supported are {supported_students()}')
    return cls(student)


def check_signature(owner: object, name: str, params: Sequence[str], package: str) -> None:
    """Fail unless ``owner.name`` is a method whose leading parameters are ``params``.

    For the few private methods an adapter cannot avoid: checked when the distiller is
    built, so a changed signature in another version is an error there, naming the student
    class and the installed version, not a stack trace in the first step.
    """
    fn = getattr(owner, name, None)
    found = [] if fn is None else list(inspect.signature(fn).parameters)[:len(params)]
    if found != list(params):
        version = __import__(package).__version__
        raise TypeError(
            f'model.student ({type(owner).__name__}): procd_mm calls {package} '
            f'{type(owner).__name__}.{name}({", ".join(params)}), which {package} {version} '
            f'does not provide (found {name}({", ".join(found)})); supported are '
            f'{supported_students()} of mmdet 3.3 / mmseg 1.2')


class StudentProbe(NamedTuple):
    """What one dummy forward tells of a student: per backbone level (channels, stride),
    the backbone levels its neck reads, and per neck output level (channels, stride)."""
    backbone: List[Tuple[int, int]]
    read_levels: List[int]
    levels: List[Tuple[int, int]]


class StudentAdapter:
    """Base adapter: the student's features with the augmentation neck split out.

    Args:
        student (nn.Module): The mmdet/mmseg model.
    """

    family = ''

    @staticmethod
    def base_class() -> type:
        """The model class (and its subclasses) this adapter serves."""
        raise NotImplementedError

    def __init__(self, student: nn.Module) -> None:
        self.student = student
        self.check_class(type(student))
        self.check()

    @classmethod
    def check_class(cls, student_cls: type) -> None:
        """Raise a ``TypeError`` when ``student_cls`` trains differently from its family
        (its own ``loss``, e.g. a detector that distils from its own teacher)."""
        loss = getattr(student_cls, 'loss', None)
        if loss is not getattr(cls.base_class(), 'loss', None):
            raise TypeError(
                f'model.student ({student_cls.__name__}) overrides '
                f'{cls.base_class().__name__}.loss, so its training step differs from the '
                f'one procd_mm runs through its heads; supported are {supported_students()} '
                'whose loss is their family\'s')

    def check(self) -> None:
        """Raise a ``TypeError`` when this built student cannot be served."""

    # -- features -----------------------------------------------------------------------
    def _neck_parts(self) -> Tuple[Optional[nn.Module], Optional[ProtoAugNeck]]:
        neck = getattr(self.student, 'neck', None)
        if isinstance(neck, ProtoAugNeck):
            return None, neck
        if isinstance(neck, nn.Sequential) and isinstance(neck[-1], ProtoAugNeck):
            return (neck[0] if len(neck) == 2 else neck[:-1]), neck[-1]
        return neck, None

    @property
    def aug_neck(self) -> Optional[ProtoAugNeck]:
        """The student's augmentation neck, if it has one."""
        return self._neck_parts()[1]

    @property
    def pre_neck(self) -> Optional[nn.Module]:
        """The student's neck before the augmentation neck (e.g. FPN), if any."""
        return self._neck_parts()[0]

    def backbone_features(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """The student backbone's levels."""
        x = self.student.backbone(inputs)
        return tuple(x) if isinstance(x, (list, tuple)) else (x, )

    def neck_features(self, levels: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """``levels`` (backbone-shaped) through the neck before the augmentation neck."""
        pre_neck = self.pre_neck
        x = pre_neck(tuple(levels)) if pre_neck is not None else levels
        return tuple(x) if isinstance(x, (list, tuple)) else (x, )

    def base_features(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Backbone and the neck before the augmentation neck."""
        return self.neck_features(self.backbone_features(inputs))

    def append_aug_neck(self, aug_neck: ProtoAugNeck) -> None:
        """Place ``aug_neck`` after the student's neck (or as its neck)."""
        neck = getattr(self.student, 'neck', None)
        if neck is None:
            self.student.neck = aug_neck
        elif isinstance(neck, nn.Sequential):
            neck.append(aug_neck)
        else:  # mmengine's Sequential: init_weights reaches the neck inside it
            self.student.neck = Sequential(neck, aug_neck)

    def strip_aug_neck(self) -> None:
        """Remove the augmentation neck: the student as its own config builds it."""
        pre_neck, aug = self._neck_parts()
        if aug is not None:
            self.student.neck = pre_neck

    def feature_levels(self, num_levels: int) -> List[int]:
        """Indices of the levels the student's heads read."""
        return list(range(num_levels))

    def probe_sizes(self) -> List[Tuple[int, int]]:
        """Dummy image sizes (H, W) the probe tries in turn: 256, then 512 (SSD's extra
        layers need more than 256), then the one size the student's preprocessor pads every
        batch to, if it has one (mmseg's ``size``: a BEiT backbone runs at no other)."""
        sizes = [(PROBE_SIZE, PROBE_SIZE), (2 * PROBE_SIZE, 2 * PROBE_SIZE)]
        size = getattr(self.student.data_preprocessor, 'size', None)
        if size is not None and tuple(size) not in sizes:
            sizes.append(tuple(size))
        return sizes

    def probe(self) -> StudentProbe:
        """Run the backbone and the neck (before the augmentation neck) once on a dummy
        image, in eval mode, at the first of :meth:`probe_sizes` the student runs at."""
        sizes, errors = self.probe_sizes(), []
        for size in sizes:
            try:
                return eval_mode(self.student)(self._probe_at, size)
            except RuntimeError as e:
                errors.append(e)
        if len(errors) > 1:
            raise RuntimeError(f'{errors[0]} (nor at {sizes[1:]})') from errors[0]
        raise errors[0]

    def _probe_at(self, size: Tuple[int, int]) -> StudentProbe:
        """The backbone levels the neck reads (FPN's ``start_level`` may skip some) are
        those its outputs have a gradient for; without a neck, the levels the heads read."""
        with torch.no_grad():
            feats = dummy_run(self.backbone_features, 'model.student', size)
        backbone = levels_of(feats, 'model.student', size)
        leaves = [f.detach().requires_grad_() for f in feats]
        with torch.enable_grad():  # gradients of the inputs only: none on the neck
            outs = dummy_run(lambda _: self.neck_features(leaves), 'model.student', size)
            grads = torch.autograd.grad(sum(o.float().sum() for o in outs), leaves,
                                        allow_unused=True)
        levels = levels_of(outs, 'model.student', size)
        read = [i for i, g in enumerate(grads) if g is not None] \
            if self.pre_neck is not None else self.feature_levels(len(levels))
        return StudentProbe(backbone, read, levels)

    # -- heads --------------------------------------------------------------------------
    def losses(self, feats: Sequence[Tensor], data_samples: List,
               shared: Dict) -> Dict[str, Tensor]:
        """The student's task losses on ``feats`` (the student pass).

        Args:
            feats (Sequence[Tensor]): The levels the heads read.
            data_samples (list): The task's data samples.
            shared (dict): Filled with what the guided pass may reuse (e.g. proposals).

        Returns:
            dict[str, Tensor]: The losses, named as the student's own ``loss`` names them.
        """
        raise NotImplementedError

    def guided_losses(self, feats: Sequence[Tensor], data_samples: List,
                      shared: Dict) -> Dict[str, Tensor]:
        """The task losses of the guided pass (after :meth:`losses` in the same step)."""
        return self.losses(feats, data_samples, shared)
