# Copyright (c) procd_mm authors. All rights reserved.
from typing import List, Optional, Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from procd_mm.registry import MODELS


@MODELS.register_module()
class FeatureAligner(BaseModule):
    """Map a source map onto each of several target levels: a learned 1x1 projection
    per level, then bilinear resizing to the level's size. The source may be one map for
    all levels or one per level (``in_channels`` a sequence).

    Channel and resolution differences between models are handled here, never by
    requiring equal shapes.

    Args:
        in_channels (int | Sequence[int]): Channels of the source map, or of each
            level's own source map.
        out_channels (Sequence[int]): Channels of each target level.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 out_channels: Sequence[int],
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(in_channels, int):
            in_channels = [in_channels] * len(out_channels)
        if len(in_channels) != len(out_channels):
            raise ValueError(f'FeatureAligner: {len(in_channels)} in_channels for '
                             f'{len(out_channels)} out_channels')
        self.projs = nn.ModuleList(
            [nn.Conv2d(i, o, 1) for i, o in zip(in_channels, out_channels)])

    def forward(self, feat: Tensor, ref: Tensor, index: int) -> Tensor:
        """Project ``feat`` (B, C_in, h, w) for level ``index`` and resize it to ``ref``'s
        size; returns (B, C_index, H_ref, W_ref)."""
        out = self.projs[index](feat)
        if out.shape[-2:] != ref.shape[-2:]:
            out = F.interpolate(out, size=ref.shape[-2:], mode='bilinear', align_corners=False)
        return out
