# Copyright (c) procd_mm authors. All rights reserved.
from typing import List, Optional, Sequence, Union

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from procd_mm.registry import MODELS


@MODELS.register_module()
class FeatureAligner(BaseModule):
    """Map one source map onto each of several target levels: a learned 1x1 projection
    per level, then bilinear resizing to the level's size.

    Channel and resolution differences between models are handled here, never by
    requiring equal shapes.

    Args:
        in_channels (int): Channels of the source map.
        out_channels (Sequence[int]): Channels of each target level.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: Sequence[int],
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.projs = nn.ModuleList([nn.Conv2d(in_channels, c, 1) for c in out_channels])

    def forward(self, feat: Tensor, ref: Tensor, index: int) -> Tensor:
        """Project ``feat`` (B, C_in, h, w) for level ``index`` and resize it to ``ref``'s
        size; returns (B, C_index, H_ref, W_ref)."""
        out = self.projs[index](feat)
        if out.shape[-2:] != ref.shape[-2:]:
            out = F.interpolate(out, size=ref.shape[-2:], mode='bilinear', align_corners=False)
        return out
