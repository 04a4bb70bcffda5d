# Copyright (c) procd_mm authors. All rights reserved.
"""The student and guided passes of the student's heads as one batch of 2B images.

The two passes run the same heads on two sets of features (the student's augmented levels
and the guided ones) against the same ground truth. Run separately, every operator of the
heads and their losses is launched twice; on a GPU at detection sizes a train step waits
for those launches (mmdet's and mmseg's loss code is many small operators), so the second
pass costs nearly as much as the first. Concatenated on the batch axis they run once.

The losses equal ``L_student + L_guided`` of the separate passes:

- dense heads (anchor and point heads, the RPN, mmseg decode heads with cross-entropy)
  normalise by a count that doubles with the batch (positives, sampled anchors, pixels),
  so the joint loss is the mean of the two and is doubled; the targets of the first B
  images are assigned once and repeated for the second B (also the RPN's sampled anchors);
- the RoI head's losses average over the sampled RoIs, and the guided half samples fewer
  negatives (``guided_roi_neg_fraction``): each half's RoIs are weighted by
  ``N / N_half``, which makes the joint average the sum of the two averages.

BatchNorm layers of the heads normalise each half with its own statistics; only the student
half updates their running statistics, as in the separate passes, where the guided pass
leaves them alone (:func:`_batch_norm_per_half`).

Heads are joined only where that holds (:func:`join_blocker` names the reason otherwise):
targets that depend only on priors and ground truth, a bbox-only standard RoI head without
BatchNorm (its batch is RoIs, not images), a single mmseg decode head with cross-entropy
losses and no pixel sampler.
"""
import contextlib
from typing import Dict, Iterator, List, Optional, Sequence

import torch
import torch.nn as nn
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from .student_adapters import (DetectorAdapter, StudentAdapter, batch_statistics_only,
                               instance_overrides, prediction_free_targets, scale_losses)


def _has_batch_norm(module: nn.Module) -> bool:
    return any(isinstance(m, _BatchNorm) for m in module.modules())


def _dense_head_blocker(head: nn.Module, name: str) -> Optional[str]:
    from mmdet.models.dense_heads import AnchorHead
    own_anchors = isinstance(head, AnchorHead) and \
        type(head).get_anchors is not AnchorHead.get_anchors
    if not prediction_free_targets(head) or own_anchors:
        return f'{name} ({type(head).__name__}) assigns targets its own way'
    return None


def join_blocker(adapter: StudentAdapter) -> Optional[str]:
    """Why the student's heads cannot run both passes as one batch, or None if they can."""
    from mmdet.models.detectors import TwoStageDetector
    student = adapter.student
    if adapter.task == 'seg':
        from mmseg.models.losses import CrossEntropyLoss
        head = student.decode_head
        if isinstance(head, nn.ModuleList):
            return 'the segmentor has a cascade of decode heads'
        losses = head.loss_decode if isinstance(head.loss_decode, nn.ModuleList) \
            else [head.loss_decode]
        if not all(isinstance(loss, CrossEntropyLoss) for loss in losses):
            return 'the decode head has losses other than cross-entropy'
        if head.sampler is not None:
            return 'the decode head samples pixels'
        return None
    if isinstance(student, TwoStageDetector):
        roi_head = student.roi_head
        if not all(hasattr(roi_head, a) for a in ('bbox_assigner', 'bbox_sampler', 'bbox_loss')):
            return f'the RoI head ({type(roi_head).__name__}) is not a standard RoI head'
        if roi_head.with_mask:
            return 'the RoI head has a mask branch'
        if _has_batch_norm(roi_head):
            return 'the RoI head has BatchNorm layers'
        return _dense_head_blocker(student.rpn_head, 'the RPN head') if student.with_rpn \
            else 'the detector has no RPN'
    return _dense_head_blocker(student.bbox_head, 'the bbox head')


@contextlib.contextmanager
def _batch_norm_per_half(module: nn.Module, num_images: int) -> Iterator[None]:
    """Make every BatchNorm layer of ``module`` normalise the first ``num_images`` (the
    student half) and the rest (the guided half) of its input separately; only the student
    half updates the running statistics, as in the separate passes."""
    def per_half(layer):
        forward = layer.forward

        def run(x):
            student = forward(x[:num_images])
            with batch_statistics_only(layer):
                guided = forward(x[num_images:])
            return torch.cat([student, guided])
        return run

    with instance_overrides([(m, 'forward', per_half(m)) for m in module.modules()
                             if isinstance(m, _BatchNorm)]):
        yield


def _repeat(result):
    """Targets of B images as targets of the same images twice (2B)."""
    if isinstance(result, Tensor):
        return torch.cat([result, result])
    if isinstance(result, tuple):
        return tuple(_repeat(r) for r in result)
    if isinstance(result, list):
        if result and isinstance(result[0], Tensor):
            return [torch.cat([r, r]) for r in result]  # per level, batch first
        return result + result  # per image
    return result * 2  # a count (avg_factor)


@contextlib.contextmanager
def _targets_of_first_half(head: nn.Module, num_images: int) -> Iterator[None]:
    """Make ``head`` assign targets (and anchors) for the first ``num_images`` of a doubled
    batch and repeat them for the second half."""
    from mmdet.models.dense_heads import AnchorHead
    compute_targets = head.get_targets
    b = num_images
    overrides = []
    if isinstance(head, AnchorHead):
        compute_anchors = head.get_anchors

        def get_anchors(featmap_sizes, batch_img_metas, *args, **kwargs):
            anchors, flags = compute_anchors(featmap_sizes, batch_img_metas[:b], *args, **kwargs)
            return anchors + anchors, flags + flags

        def get_targets(anchor_list, valid_flag_list, batch_gt_instances, batch_img_metas,
                        batch_gt_instances_ignore=None, *args, **kwargs):
            ignore = None if batch_gt_instances_ignore is None else batch_gt_instances_ignore[:b]
            labels, label_weights, bbox_targets, bbox_weights, avg_factor, *rest = \
                compute_targets(anchor_list[:b], valid_flag_list[:b], batch_gt_instances[:b],
                                batch_img_metas[:b], ignore, *args, **kwargs)
            return (*_repeat((labels, label_weights, bbox_targets, bbox_weights)),
                    2 * avg_factor, *_repeat(tuple(rest)))

        overrides.append((head, 'get_anchors', get_anchors))
    else:  # FCOSHead: targets per level, flattened batch-first

        def get_targets(points, batch_gt_instances, *args, **kwargs):
            return _repeat(compute_targets(points, batch_gt_instances[:b], *args, **kwargs))

    with instance_overrides(overrides + [(head, 'get_targets', get_targets)]):
        yield


def _dense_losses(head: nn.Module, outs: tuple, data_samples: List, num_images: int) -> Dict:
    """``L(first half) + L(second half)`` of a dense detection head's outputs on 2B images
    whose second half has the same ground truth as the first."""
    from mmdet.models.utils import unpack_gt_instances
    gts, gts_ignore, metas = unpack_gt_instances(data_samples)
    ignore = None if gts_ignore is None or all(g is None for g in gts_ignore) \
        else gts_ignore + gts_ignore
    with _targets_of_first_half(head, num_images):
        losses = head.loss_by_feat(*outs, gts + gts, metas + metas, ignore)
    return scale_losses(losses, 2.0)  # the mean of the two halves, as their sum


def _forward(head: nn.Module, feats, num_images: int):
    with _batch_norm_per_half(head, num_images):
        return head(feats)


def _roi_losses(adapter: DetectorAdapter, x2: Sequence[Tensor], data_samples: List,
                proposals: List, neg_fraction: float) -> Dict:
    """Sum of the student and guided RoI losses, one RoI forward for both."""
    from mmdet.structures.bbox import bbox2roi
    roi_head = adapter.student.roi_head
    sampling = adapter.sample_rois(x2, proposals, data_samples)  # images 0..b-1 of x2
    guided = [adapter._fewer_negatives(r, neg_fraction) for r in sampling] \
        if neg_fraction < 1.0 else sampling
    both = sampling + guided
    rois = bbox2roi([r.priors for r in both])
    # the second half's RoIs read the guided features: images b..2b-1 of x2
    results = roi_head._bbox_forward(x2, rois)
    bbox_head = roi_head.bbox_head
    labels, label_weights, bbox_targets, bbox_weights = bbox_head.get_targets(
        both, roi_head.train_cfg, concat=True)
    n_s = sum(len(r.priors) for r in sampling)
    n_g = sum(len(r.priors) for r in guided)
    total = n_s + n_g
    scale = torch.cat([label_weights.new_full((n_s, ), total / max(n_s, 1)),
                       label_weights.new_full((n_g, ), total / max(n_g, 1))])
    return bbox_head.loss(results['cls_score'], results['bbox_pred'], rois, labels,
                          label_weights * scale, bbox_targets, bbox_weights * scale[:, None])


def joint_head_losses(adapter: StudentAdapter, feats2: Sequence[Tensor], data_samples: List,
                      neg_fraction: float = 1.0) -> Dict[str, Tensor]:
    """The student's task losses on both halves of ``feats2`` (student features, then
    guided features, each B images), summed.

    Args:
        adapter (StudentAdapter): The student's adapter (see :func:`join_blocker`).
        feats2 (Sequence[Tensor]): Feature levels of 2B images.
        data_samples (list): The B images' data samples.
        neg_fraction (float): Two-stage detectors: the fraction of the sampled negative
            RoIs the guided half keeps. Defaults to 1.0.

    Returns:
        dict[str, Tensor]: The losses, named as :meth:`StudentAdapter.head_losses` names
        them.
    """
    student = adapter.student
    b = len(data_samples)
    feats2 = tuple(feats2)
    if adapter.task == 'seg':
        head = student.decode_head
        logits = _forward(head, list(feats2), b)
        losses = scale_losses(head.loss_by_feat(logits, data_samples + data_samples), 2.0)
        losses = {f'decode.{k}': v for k, v in losses.items()}
        if student.with_auxiliary_head:  # the student pass only, as in separate passes
            losses.update(student._auxiliary_head_forward_train(
                [f[:b] for f in feats2], data_samples))
        return losses
    from mmdet.models.detectors import TwoStageDetector
    if not isinstance(student, TwoStageDetector):
        head = student.bbox_head
        return _dense_losses(head, _forward(head, feats2, b), data_samples, b)
    rpn_head = student.rpn_head
    outs = _forward(rpn_head, feats2, b)
    losses = adapter.rpn_names(
        _dense_losses(rpn_head, outs, adapter.rpn_samples(data_samples), b))
    proposal_cfg = student.train_cfg.get('rpn_proposal', student.test_cfg.rpn)
    proposals = rpn_head.predict_by_feat(*[[o[:b] for o in out] for out in outs],
                                         batch_img_metas=[s.metainfo for s in data_samples],
                                         cfg=proposal_cfg)
    losses.update(_roi_losses(adapter, feats2, data_samples, proposals, neg_fraction))
    return losses
