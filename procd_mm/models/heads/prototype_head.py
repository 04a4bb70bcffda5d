# Copyright (c) procd_mm authors. All rights reserved.
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from procd_mm.registry import MODELS
from procd_mm.utils.precision import float32_region


@MODELS.register_module()
class PrototypeHead(BaseModule):
    """The prototype learning module of ProC-KD, over a frozen teacher's feature maps.

    Follows the authors' code (see ``DESIGN.md``): the chosen teacher levels are resized to
    one grid, concatenated on channels and projected to width ``D`` (1x1 conv + ReLU, the
    tokens' Linear + ReLU). ``K`` learnable prototypes aggregate the L2-normalised locations
    NetVLAD-style: soft assignment ``a = softmax_K(conv1x1(x))``, residuals
    ``V_k = sum_i a_ik (x_i - c_k)``, intra- and L2-normalisation, then a linear layer gives
    a global descriptor that is broadcast to every location, concatenated and fused back by
    two (1x1 conv + ReLU). The normalisations run in float32 even under autocast.

    Our choices where the authors' code is silent or a random init would collapse (NetVLAD
    initialises its assignment from k-means centroids with a large scale): prototypes start
    as random unit vectors, the assignment conv starts as their cosine similarity to the
    location, and its logits are divided by ``assign_temperature``. Without the temperature,
    unit-norm inputs give near-uniform assignments (entropy ~ log K) and the prototypes
    cannot specialise; ``proto.assign_entropy`` in the training log shows it. The fused map
    ends in a ReLU, so all its locations share one dominant direction (mean pairwise cosine
    0.95 on the zoo teacher's maps) and one prototype wins everywhere; ``center=True``
    subtracts each image's mean over locations before the normalisation (cosine 0.09, 13 of
    32 prototypes win instead of 2; ``proto.num_used`` in the log).

    Args:
        in_channels (Sequence[int]): Channels of each chosen teacher level.
        channels (int): Width ``D`` of the fused map and of each prototype. Defaults to 256.
        num_prototypes (int): Number of prototypes ``K``. Defaults to 72 (authors' code).
        grid_level (int): Which chosen level's spatial size the others are resized to.
            Defaults to 0 (the first, usually the finest).
        assign_temperature (float): Divides the assignment logits. Defaults to 0.1.
        center (bool): Subtract each image's mean over locations before the L2
            normalisation. Defaults to True.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 256,
                 num_prototypes: int = 72,
                 grid_level: int = 0,
                 assign_temperature: float = 0.1,
                 center: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_prototypes < 1:
            raise ValueError(f'proto_head.num_prototypes must be >= 1, got {num_prototypes}')
        if channels < 1:
            raise ValueError(f'proto_head.channels must be >= 1, got {channels}')
        if not assign_temperature > 0:
            raise ValueError('proto_head.assign_temperature must be > 0, got '
                             f'{assign_temperature}')
        self.assign_temperature = float(assign_temperature)
        self.center = center
        self.in_channels = list(in_channels)
        if not -len(self.in_channels) <= grid_level < len(self.in_channels):
            raise ValueError(f'proto_head.grid_level={grid_level} is out of range for '
                             f'{len(self.in_channels)} teacher levels')
        self.channels = channels
        self.num_prototypes = num_prototypes
        self.grid_level = grid_level
        self.fuse = nn.Sequential(
            nn.Conv2d(sum(self.in_channels), channels, 1), nn.ReLU(inplace=True))
        self.assign = nn.Conv2d(channels, num_prototypes, 1)
        self.descriptor = nn.Linear(num_prototypes * channels, channels)
        self.refine = nn.Sequential(
            nn.Conv2d(2 * channels, channels, 1), nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 1), nn.ReLU(inplace=True))

    @torch.no_grad()
    def init_assignment(self, prototypes: Tensor) -> None:
        """Start the assignment as the cosine similarity of a location to each prototype.

        Args:
            prototypes (Tensor): The prototypes (K, D) the head will be given, unit rows.
        """
        if prototypes.shape != (self.num_prototypes, self.channels):
            raise ValueError(f'proto_head: prototypes of shape {tuple(prototypes.shape)}, '
                             f'expected ({self.num_prototypes}, {self.channels})')
        self.assign.weight.copy_(prototypes[:, :, None, None])
        self.assign.bias.zero_()

    @staticmethod
    @torch.no_grad()
    def health(assignment: Tensor) -> Dict[str, Tensor]:
        """Logged measures of prototype collapse (not losses).

        Args:
            assignment (Tensor): Soft assignment (B, K, H, W).

        Returns:
            dict[str, Tensor]: ``proto.assign_entropy`` mean per-location entropy / log K
            (1 = uniform, 0 = hard); ``proto.usage_entropy`` entropy of how often each
            prototype wins, / log K (0 = collapsed onto one); ``proto.num_used`` prototypes
            that win at least one location.
        """
        a = assignment.float().clamp_min(1e-12)
        k = a.shape[1]
        log_k = math.log(max(k, 2))
        per_loc = -(a * a.log()).sum(1).mean() / log_k
        winners = a.argmax(1).flatten()  # no bincount: on CUDA it waits for the GPU
        wins = a.new_zeros(k).index_add_(0, winners, a.new_ones(winners.shape))
        usage = wins / wins.sum()
        usage_ent = -(usage * usage.clamp_min(1e-12).log()).sum() / log_k
        return {'proto.assign_entropy': per_loc, 'proto.usage_entropy': usage_ent,
                'proto.num_used': (wins > 0).sum().float()}

    @staticmethod
    def _resize(feat: Tensor, size: Sequence[int]) -> Tensor:
        """Resize to ``size``: average pooling when shrinking by whole factors (no
        aliasing), bilinear otherwise."""
        h, w = feat.shape[-2:]
        if (h, w) == tuple(size):
            return feat
        if h % size[0] == 0 and w % size[1] == 0:
            return F.adaptive_avg_pool2d(feat, tuple(size))
        return F.interpolate(feat, size=tuple(size), mode='bilinear', align_corners=False)

    def _fused_flat(self, feats: Sequence[Tensor],
                    sizes: Sequence[Sequence[int]]) -> Tensor:
        """``fuse(cat_i(resize(T_i, s)))`` for every size ``s`` in ``sizes``, flattened and
        concatenated over the sizes: (B, D, sum_s H_s W_s).

        Computed as ``ReLU(sum_i resize(W_i T_i, s) + b)``, ``W_i`` the slice of the fusion
        conv that reads level ``i``: a 1x1 conv and the resizing (average pooling or
        bilinear, both linear per channel and weights summing to 1) commute, so each level
        is projected once at its own resolution, levels sharing a grid are summed, and
        only ``D``-channel maps are resized. Same values and parameters as the direct form;
        the per-location operations run once over all sizes.
        """
        conv = self.fuse[0]
        projected: Dict[tuple, Tensor] = {}
        start = 0
        for i, (f, c) in enumerate(zip(feats, self.in_channels)):
            if f.shape[1] != c:
                raise ValueError(f'PrototypeHead: teacher level {i} has {f.shape[1]} '
                                 f'channels, expected {c} (proto_head.in_channels)')
            # Contiguous input and weight slice: a ViT's token maps are channels-last
            # views, and conv2d keeps that layout; passed on, it made every later conv of
            # the step convert its weights (DeepLabV3's guided step 1.6x -> 1.85x on CPU).
            p = F.conv2d(f.contiguous(), conv.weight[:, start:start + c].contiguous())
            start += c
            key = tuple(f.shape[-2:])
            projected[key] = projected[key] + p if key in projected else p
        flat = [sum(self._resize(p, s) for p in projected.values()).flatten(2) for s in sizes]
        flat = flat[0] if len(flat) == 1 else torch.cat(flat, dim=2)
        return F.relu(flat + conv.bias[None, :, None])

    @staticmethod
    def _unflatten(flat: Tensor, sizes: Sequence[Sequence[int]]) -> List[Tensor]:
        """Split (B, D, sum_s H_s W_s) into one (B, D, H_s, W_s) view per size."""
        parts = flat.split([int(h) * int(w) for h, w in sizes], dim=2)
        return [p.view(*flat.shape[:2], *s) for p, s in zip(parts, sizes)]

    def _fused(self, feats: Sequence[Tensor], size: Sequence[int]) -> Tensor:
        return self._unflatten(self._fused_flat(feats, [size]), [size])[0]

    def normalized(self, x: Tensor) -> Tensor:
        """What the assignment reads: ``x`` in float32, centred over each image's locations
        when ``center``, L2-normalised over channels."""
        x32 = x.float()
        if self.center:
            x32 = x32 - x32.mean(dim=(2, 3), keepdim=True)
        return F.normalize(x32, dim=1)

    def soft_assignment(self, feats: Sequence[Tensor]) -> Tensor:
        """The soft assignment of :meth:`forward` alone (no descriptor, no enhanced map),
        on the grid level: (B, K, H, W).

        Args:
            feats (Sequence[Tensor]): Teacher maps, one per chosen level.
        """
        x = self._fused(feats, tuple(feats[self.grid_level].shape[-2:]))
        with float32_region(x):
            return (self.assign(self.normalized(x)) / self.assign_temperature).softmax(dim=1)

    def forward(self,
                feats: Sequence[Tensor],
                prototypes: Tensor,
                out_sizes: Optional[Sequence[Sequence[int]]] = None) -> Dict[str, Tensor]:
        """Aggregate the teacher's maps around the prototypes and enhance them.

        Args:
            feats (Sequence[Tensor]): Teacher maps, one per chosen level, each (B, C_i, H_i, W_i).
            prototypes (Tensor): The learnable prototypes (K, D); their one home is the
                student's augmentation neck (``ProtoAugNeck.prototypes``).
            out_sizes (Sequence[tuple], optional): Also return the prototype-enhanced map
                at each of these sizes (``feats``): the teacher levels are fused on each
                size's own grid and enhanced with the same global descriptor, so every
                student level gets a map at its own resolution instead of a resized one.

        Returns:
            dict[str, Tensor]: ``feat`` the prototype-enhanced map on the grid level
            (B, D, H, W); ``feats`` (only with ``out_sizes``) one such map per size;
            ``assignment`` the soft
            assignment of each location to the prototypes (B, K, H, W).
        """
        if len(feats) != len(self.in_channels):
            raise ValueError(f'PrototypeHead expects {len(self.in_channels)} teacher levels, '
                             f'got {len(feats)}')
        size = tuple(feats[self.grid_level].shape[-2:])
        sizes = list(dict.fromkeys([size, *(tuple(s) for s in out_sizes or [])]))
        fused_flat = self._fused_flat(feats, sizes)
        x = self._unflatten(fused_flat, sizes)[0]
        with float32_region(x):
            xn = self.normalized(x)
            assignment = (self.assign(xn) / self.assign_temperature).softmax(dim=1)
            a = assignment.flatten(2)  # B, K, HW
            # V_k = sum_i a_ik x_i - (sum_i a_ik) c_k
            vlad = torch.bmm(a, xn.flatten(2).transpose(1, 2))
            vlad = vlad - a.sum(dim=2, keepdim=True) * prototypes.float()[None]
            vlad = F.normalize(vlad, dim=2).flatten(1)  # intra-normalisation
            vlad = F.normalize(vlad, dim=1)
            desc = self.descriptor(vlad)
        conv = self.refine[0]
        d = self.channels
        desc_bias = F.linear(desc.to(x.dtype), conv.weight[:, d:, 0, 0], conv.bias)
        # refine's first conv reads cat(fused map, descriptor broadcast to every location):
        # the descriptor's half is the same everywhere, so it is applied once per image,
        # as a bias (same values as the concatenation, half the work); all sizes at once.
        y = F.conv2d(fused_flat.unsqueeze(-1), conv.weight[:, :d].contiguous())
        y = F.relu(y + desc_bias[:, :, None, None])
        enhanced = dict(zip(sizes, self._unflatten(self.refine[2:](y).squeeze(-1), sizes)))
        out = dict(feat=enhanced[size], assignment=assignment)
        if out_sizes is not None:
            out['feats'] = [enhanced[tuple(s)] for s in out_sizes]
        return out
