# Copyright (c) procd_mm authors. All rights reserved.
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from procd_mm.registry import MODELS


class _LevelAugment(nn.Module):
    """Augmentation of feature levels of one width: encoder, attention readout, fusion,
    gate.

    Every operation acts on each location alone (1x1 convolutions, attention over the
    prototypes), so the levels are flattened and concatenated and augmented in one pass:
    the same values as one pass per level, with a fifth of the operator launches for five
    FPN levels (what a GPU step waits for at detection sizes).
    """

    def __init__(self, channels: int, embed_channels: int, gate_init: float,
                 fusion_channels: int) -> None:
        super().__init__()
        self.encoder = nn.Conv2d(channels, embed_channels, 1)
        self.fusion = nn.Sequential(
            nn.Conv2d(2 * embed_channels, fusion_channels, 1), nn.ReLU(inplace=True),
            nn.Conv2d(fusion_channels, channels, 1), nn.ReLU(inplace=True))
        # A zero gate makes the neck start as the identity: a pretrained student is not disturbed.
        self.gate = nn.Parameter(torch.full((channels, ), float(gate_init)))

    @staticmethod
    def attention(ex: Tensor, protos: Tensor) -> Tensor:
        """Attention of encoded locations ex (B, E, ...) over encoded prototypes (K, E):
        softmax over K, (B, K, ...)."""
        flat = ex.flatten(2)
        attn = torch.matmul(protos.to(ex.dtype), flat) / math.sqrt(ex.shape[1])
        return attn.softmax(dim=1).view(ex.shape[0], protos.shape[0], *ex.shape[2:])

    def forward(self, xs: Sequence[Tensor], protos: Tensor) -> List[Tensor]:
        """Augment levels ``xs`` (each (B, C, H_l, W_l)) with encoded prototypes (K, E)."""
        if len(xs) == 1:
            flat = xs[0].flatten(2)
        else:
            flat = torch.cat([x.flatten(2) for x in xs], dim=2)  # B, C, sum_l H_l W_l
        ex = self.encoder(flat.unsqueeze(-1))  # B, E, N, 1
        attn = self.attention(ex, protos)
        readout = torch.matmul(protos.to(attn.dtype).t(), attn.flatten(2)).unsqueeze(-1)
        fused = self.fusion(torch.cat([ex, readout.to(ex.dtype)], dim=1))
        delta = self.gate.view(1, -1, 1).to(fused.dtype) * fused.squeeze(-1)
        if len(xs) == 1:
            return [xs[0] + delta.view_as(xs[0])]
        deltas = delta.split([x.shape[2] * x.shape[3] for x in xs], dim=2)
        return [x + d.view_as(x) for x, d in zip(xs, deltas)]


@MODELS.register_module()
class ProtoAugNeck(BaseModule):
    """The task-adaptive feature augmentation module of ProC-KD, per student level.

    For each augmented level ``x`` (B, C, H, W) and prototypes ``c`` (K, D): a 1x1 encoder
    maps ``x`` to ``E(x)`` and a linear encoder maps ``c`` to ``E(c)`` (the authors share one
    encoder because their tokens and prototypes have the same width; a student level's width
    need not equal ``D``), every location attends over the K prototypes,
    ``A = softmax_K(E(c) . E(x) / sqrt(E))``, reads out ``E(c)^T A``, and
    ``conv-ReLU-conv-ReLU([E(x), readout])`` is added to ``x``.

    Choices beyond the authors' code, for dense prediction: the residual branch is scaled by
    a learnable per-channel gate initialised to zero (the neck starts as the identity), and
    the final ReLU after the residual is off by default (FPN features are signed).
    ``gate_init=1.0, final_relu=True`` gives the authors' module (see the ``authors-aug``
    ablation config). The fusion's hidden width is capped (``fusion_channels``), so a
    2048-channel level does not cost a 2048x2048 convolution.

    The neck is the one home of the learnable prototypes (``prototypes``, a (K, D)
    parameter, random unit rows at first): the distiller's prototype head reads them from
    here while training, and a student carrying this neck runs without the teacher.

    Args:
        in_channels (int | Sequence[int]): Channels of each input level.
        proto_channels (int): Width ``D`` of the prototypes. Defaults to 256.
        num_prototypes (int): Number of prototypes ``K``. Defaults to 72.
        embed_channels (int): Width ``E`` of the encoder. Defaults to 128.
        levels (Sequence[int], optional): Indices of the levels to augment; the others pass
            through. Defaults to None (all levels).
        share_levels (bool): Use one module for all augmented levels when their channels
            are equal (FPN outputs). Defaults to True.
        final_relu (bool): Apply ReLU after the residual, as the authors' code. Defaults to
            False.
        gate_init (float): Initial value of the residual gate. Defaults to 0.0.
        fusion_channels (int, optional): Hidden width of the fusion convs. Defaults to
            None: the level's channels, at most 256 (the authors' width for FPN levels).
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 proto_channels: int = 256,
                 num_prototypes: int = 72,
                 embed_channels: int = 128,
                 levels: Optional[Sequence[int]] = None,
                 share_levels: bool = True,
                 final_relu: bool = False,
                 gate_init: float = 0.0,
                 fusion_channels: Optional[int] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._cfg = dict(
            type='procd_mm.ProtoAugNeck', in_channels=in_channels, proto_channels=proto_channels,
            num_prototypes=num_prototypes, embed_channels=embed_channels,
            levels=None if levels is None else list(levels), share_levels=share_levels,
            final_relu=final_relu, gate_init=gate_init, fusion_channels=fusion_channels)
        if num_prototypes < 1:
            raise ValueError(f'aug_neck.num_prototypes must be >= 1, got {num_prototypes}')
        in_channels = [in_channels] if isinstance(in_channels, int) else list(in_channels)
        self.in_channels = in_channels
        num_levels = len(in_channels)
        self.levels = list(range(num_levels)) if levels is None else [
            lvl % num_levels for lvl in levels
        ]
        self.final_relu = final_relu
        self.proto_encoder = nn.Linear(proto_channels, embed_channels)
        widths = {in_channels[lvl] for lvl in self.levels}
        self.shared = share_levels and len(widths) == 1
        n_modules = 1 if self.shared else len(self.levels)
        self.augments = nn.ModuleList([
            _LevelAugment(in_channels[self.levels[i]], embed_channels, gate_init,
                          fusion_channels or min(in_channels[self.levels[i]], 256))
            for i in range(n_modules)
        ])
        self.prototypes = nn.Parameter(
            F.normalize(torch.randn(num_prototypes, proto_channels), dim=1))

    def config(self) -> dict:
        """The config dict that rebuilds this neck (for exporting a student)."""
        return dict(self._cfg)

    @torch.no_grad()
    def assignment(self, inputs: Union[Tensor, Sequence[Tensor]]) -> List[Tensor]:
        """The attention of each location of the augmented levels over the prototypes
        (for visualisation; argmax over K is the prototype a location is assigned to).

        Args:
            inputs (Tensor | Sequence[Tensor]): Feature levels, each (B, C_l, H_l, W_l).

        Returns:
            list[Tensor]: One (B, K, H_l, W_l) map per level in ``self.levels``.
        """
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        protos = self.proto_encoder(self.prototypes)
        return [
            _LevelAugment.attention(self.augments[0 if self.shared else i].encoder(inputs[lvl]),
                                    protos) for i, lvl in enumerate(self.levels)
        ]

    def forward(self, inputs: Union[Tensor, Sequence[Tensor]]) -> Tuple[Tensor, ...]:
        """Augment the chosen levels with the prototypes.

        Args:
            inputs (Tensor | Sequence[Tensor]): Feature levels, each (B, C_l, H_l, W_l).

        Returns:
            tuple[Tensor]: The levels, augmented where chosen, same shapes as ``inputs``.
        """
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'ProtoAugNeck was built for {len(self.in_channels)} levels '
                             f'(in_channels={self.in_channels}), got {len(inputs)}')
        protos = self.proto_encoder(self.prototypes)
        outs = list(inputs)
        groups = [self.levels] if self.shared else [[lvl] for lvl in self.levels]
        for i, levels in enumerate(groups):
            augmented = self.augments[i]([inputs[lvl] for lvl in levels], protos)
            for lvl, out in zip(levels, augmented):
                outs[lvl] = out.relu() if self.final_relu else out
        return tuple(outs)
