# Copyright (c) procd_mm authors. All rights reserved.
"""The thin layer where detection and segmentation students differ.

An adapter knows which feature levels a student's heads read and how to call those heads
on a given set of features; everything else in the distillers is one path. The second call
of :meth:`StudentAdapter.head_losses` in a step (the guided pass) reuses what the first
computed in ``shared``: RPN proposals, RoI sampling and dense-head targets.
"""
import copy
import math
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import Sequential
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from procd_mm.models.necks.proto_aug_neck import ProtoAugNeck

SUPPORTED_STUDENTS = ('mmdet TwoStageDetector and SingleStageDetector subclasses with a '
                      'neck, and mmseg EncoderDecoder subclasses')


def prediction_free_targets(head: nn.Module) -> bool:
    """Whether ``head.get_targets`` depends only on anchors/points and ground truth."""
    from mmdet.models.dense_heads import AnchorHead, FCOSHead
    fn = getattr(type(head), 'get_targets', None)
    return fn is AnchorHead.get_targets or fn is FCOSHead.get_targets


@contextmanager
def instance_overrides(overrides: Sequence[Tuple[object, str, object]]) -> Iterator[None]:
    """Set ``(obj, attr, value)`` on these instances alone for the block; on exit, put back
    what each instance held itself before (an earlier override), or remove ours."""
    missing = object()
    saved = [(obj, attr, vars(obj).get(attr, missing)) for obj, attr, _ in overrides]
    for obj, attr, value in overrides:
        setattr(obj, attr, value)
    try:
        yield
    finally:
        for obj, attr, before in reversed(saved):
            if before is missing:
                delattr(obj, attr)
            else:
                setattr(obj, attr, before)


@contextmanager
def reuse_targets(head: nn.Module, store: Dict, key: str) -> Iterator[None]:
    """Compute ``head.get_targets`` and the priors once per step and reuse them in the
    next pass.

    Only for heads whose targets do not depend on predictions. The priors (anchor heads'
    ``get_anchors``, else ``prior_generator.grid_priors``) depend only on the feature
    sizes, which both passes share. The overrides are set on this head instance alone and
    removed on exit.
    """
    if not prediction_free_targets(head):
        yield
        return
    owners = [(head, 'get_targets')]
    if hasattr(head, 'get_anchors'):
        owners.append((head, 'get_anchors'))
    elif hasattr(head, 'prior_generator'):
        owners.append((head.prior_generator, 'grid_priors'))

    def cached(compute, name):
        def call(*args, **kwargs):
            if name not in store:
                store[name] = compute(*args, **kwargs)
            return store[name]
        return call

    with instance_overrides([(owner, attr, cached(getattr(owner, attr), f'{key}.{attr}'))
                             for owner, attr in owners]):
        yield


@contextmanager
def batch_statistics_only(module: nn.Module) -> Iterator[None]:
    """Make the BatchNorm layers of ``module`` that are training normalise with the batch's
    own statistics and leave their running statistics (and ``num_batches_tracked``)
    untouched for the block.

    The guided pass runs the student's layers on teacher-derived features that the student
    never sees at inference: its statistics must not enter the running statistics the
    deployed student normalises with. Layers in eval mode (``norm_eval``) keep using their
    running statistics.
    """
    layers = [m for m in module.modules()
              if isinstance(m, _BatchNorm) and m.track_running_stats]
    with instance_overrides([(m, 'track_running_stats', False) for m in layers]):
        yield


def add_prefix(losses: Dict, prefix: str) -> Dict:
    """Prefix every key with ``prefix.`` (``student.``, ``guided.``)."""
    return {f'{prefix}.{k}': v for k, v in losses.items()}


def scale_losses(losses: Dict, weight: float) -> Dict:
    """Multiply every entry whose key contains ``loss`` by ``weight``."""
    out = {}
    for k, v in losses.items():
        if 'loss' in k and weight != 1.0:
            v = [x * weight for x in v] if isinstance(v, (list, tuple)) else v * weight
        out[k] = v
    return out


class StudentAdapter:
    """Base adapter: feature extraction with the augmentation neck split out.

    Args:
        student (nn.Module): The mmdet detector or mmseg segmentor.
    """

    task = ''

    def __init__(self, student: nn.Module) -> None:
        self.student = student

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
        else:
            # mmengine's Sequential, not torch's: init_weights must reach the neck (inside
            # an nn.Sequential the FPN would keep PyTorch's default init, unlike the plain
            # student's)
            self.student.neck = Sequential(neck, aug_neck)

    def feature_levels(self, num_levels: int) -> List[int]:
        """Indices of the levels the student's heads read."""
        return list(range(num_levels))

    # -- heads --------------------------------------------------------------------------
    def head_losses(self,
                    feats: Sequence[Tensor],
                    data_samples: List,
                    shared: Dict,
                    guided: bool = False,
                    roi_neg_fraction: float = 1.0) -> Dict[str, Tensor]:
        """The student's task losses on ``feats``.

        Args:
            feats (Sequence[Tensor]): Feature levels for the heads.
            data_samples (list): The task's data samples.
            shared (dict): What the student pass computed, reused by the guided pass.
            guided (bool): This is the guided pass. Defaults to False.
            roi_neg_fraction (float): Two-stage detectors, guided pass: the fraction of
                the sampled negative RoIs the RoI head is run on (all positives are
                kept). Defaults to 1.0.
        """
        raise NotImplementedError


class DetectorAdapter(StudentAdapter):
    """mmdet ``TwoStageDetector`` and ``SingleStageDetector`` students."""

    task = 'det'

    @property
    def two_stage(self) -> bool:
        """Whether the student is an mmdet ``TwoStageDetector``."""
        from mmdet.models.detectors import TwoStageDetector
        return isinstance(self.student, TwoStageDetector)

    def head_losses(self, feats, data_samples, shared, guided=False, roi_neg_fraction=1.0):
        if self.two_stage:
            neg_fraction = roi_neg_fraction if guided else 1.0
            return self._two_stage_losses(tuple(feats), data_samples, shared, neg_fraction)
        head = self.student.bbox_head
        with reuse_targets(head, shared, 'bbox_targets'):
            return head.loss(tuple(feats), data_samples)

    def _two_stage_losses(self, x, data_samples, shared, neg_fraction):
        student = self.student
        losses = {}
        if student.with_rpn:
            first = 'rpn_samples' not in shared
            if first:
                shared['rpn_samples'] = self.rpn_samples(data_samples)
            with reuse_targets(student.rpn_head, shared, 'rpn_targets'):
                if first:
                    proposal_cfg = student.train_cfg.get('rpn_proposal', student.test_cfg.rpn)
                    rpn_losses, proposals = student.rpn_head.loss_and_predict(
                        x, shared['rpn_samples'], proposal_cfg=proposal_cfg)
                    shared['proposals'] = proposals
                else:
                    rpn_losses = student.rpn_head.loss(x, shared['rpn_samples'])
            losses.update(self.rpn_names(rpn_losses))
        elif 'proposals' not in shared:
            shared['proposals'] = [s.proposals for s in data_samples]
        losses.update(self._roi_losses(x, data_samples, shared, neg_fraction))
        return losses

    @staticmethod
    def rpn_samples(data_samples: List) -> List:
        """Copies of the data samples with every label 0: the RPN is class-agnostic, as in
        mmdet."""
        samples = copy.deepcopy(data_samples)
        for sample in samples:
            sample.gt_instances.labels = torch.zeros_like(sample.gt_instances.labels)
        return samples

    @staticmethod
    def rpn_names(rpn_losses: Dict) -> Dict:
        """The RPN's loss keys prefixed ``rpn_`` where they are not already, as in mmdet."""
        return {k if 'rpn' in k or 'loss' not in k else f'rpn_{k}': v
                for k, v in rpn_losses.items()}

    def sample_rois(self, x: Sequence[Tensor], proposals: List, data_samples: List) -> List:
        """Assign and sample the RoI head's training RoIs among ``proposals`` (one
        ``SamplingResult`` per image; ``x`` only feeds samplers that read features)."""
        from mmdet.models.utils import unpack_gt_instances
        roi_head = self.student.roi_head
        gts, gts_ignore, _ = unpack_gt_instances(data_samples)
        sampling = []
        for i, props in enumerate(proposals):
            props.priors = props.pop('bboxes')
            assign = roi_head.bbox_assigner.assign(props, gts[i], gts_ignore[i])
            sampling.append(roi_head.bbox_sampler.sample(
                assign, props, gts[i], feats=[lvl[i][None] for lvl in x]))
        return sampling

    @staticmethod
    def _fewer_negatives(result, fraction: float):
        """A copy of a ``SamplingResult`` keeping all positives and ``fraction`` of the
        negatives, chosen at random."""
        num = result.neg_inds.numel()
        keep = max(1, math.ceil(num * fraction)) if num else 0
        if keep >= num:
            return result
        sub = copy.copy(result)
        idx = torch.randperm(num, device=result.neg_inds.device)[:keep]
        sub.neg_inds, sub.neg_priors = result.neg_inds[idx], result.neg_priors[idx]
        sub.num_neg = keep
        sub.avg_factor = sub.num_pos + keep if sub.avg_factor_with_neg else sub.num_pos
        return sub

    def _roi_losses(self, x, data_samples, shared, neg_fraction=1.0):
        roi_head = self.student.roi_head
        shareable = all(
            hasattr(roi_head, a) for a in ('bbox_assigner', 'bbox_sampler', 'bbox_loss'))
        if not shareable:  # e.g. cascade heads: sampling depends on each pass's predictions
            return roi_head.loss(x, copy.deepcopy(shared['proposals']), data_samples)
        from mmdet.models.utils import unpack_gt_instances
        gts, _, _ = unpack_gt_instances(data_samples)
        if 'sampling' not in shared:
            shared['sampling'] = self.sample_rois(x, shared['proposals'], data_samples)
        sampling = shared['sampling']
        if neg_fraction < 1.0:
            sampling = [self._fewer_negatives(r, neg_fraction) for r in sampling]
        losses = {}
        bbox_results = None
        if roi_head.with_bbox:
            bbox_results = roi_head.bbox_loss(x, sampling)
            losses.update(bbox_results['loss_bbox'])
        if roi_head.with_mask:
            mask_results = roi_head.mask_loss(x, sampling,
                                              bbox_results['bbox_feats'], gts)
            losses.update(mask_results['loss_mask'])
        return losses


class SegmentorAdapter(StudentAdapter):
    """mmseg ``EncoderDecoder`` students.

    The decode head's inputs are augmented (the levels it reads at inference). Auxiliary
    heads, a training-time regulariser of the backbone, read the student's levels in the
    student pass and are skipped in the guided pass.
    """

    task = 'seg'

    def feature_levels(self, num_levels: int) -> List[int]:
        levels = set()
        head = self.student.decode_head
        for h in (head if isinstance(head, nn.ModuleList) else [head]):
            index = getattr(h, 'in_index', None)
            if index is None:
                return list(range(num_levels))
            index = index if isinstance(index, (list, tuple)) else [index]
            levels.update(i % num_levels for i in index)
        return sorted(levels)

    def head_losses(self, feats, data_samples, shared, guided=False, roi_neg_fraction=1.0):
        student = self.student
        feats = list(feats)
        head = student.decode_head
        if isinstance(head, nn.ModuleList):
            losses = student._decode_head_forward_train(feats, data_samples)
        else:
            losses = add_prefix(head.loss(feats, data_samples, student.train_cfg), 'decode')
        if student.with_auxiliary_head and not guided:
            losses.update(student._auxiliary_head_forward_train(feats, data_samples))
        return losses


def build_adapter(student: nn.Module) -> StudentAdapter:
    """The adapter for ``student``, or a ``TypeError`` naming what is supported."""
    from mmdet.models.detectors import SingleStageDetector, TwoStageDetector
    from mmseg.models.segmentors import EncoderDecoder
    if isinstance(student, (TwoStageDetector, SingleStageDetector)):
        if not student.with_neck:
            raise TypeError(f'model.student ({type(student).__name__}) has no neck; ProC-KD '
                            'augments the neck outputs of detectors: add a neck (e.g. FPN)')
        return DetectorAdapter(student)
    if isinstance(student, EncoderDecoder):
        return SegmentorAdapter(student)
    raise TypeError(f'model.student: unsupported student type {type(student).__name__!r}; '
                    f'supported are {SUPPORTED_STUDENTS}')
