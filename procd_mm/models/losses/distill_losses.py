# Copyright (c) procd_mm authors. All rights reserved.
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from procd_mm.registry import MODELS
from procd_mm.utils.precision import float32_region
from procd_mm.utils.validation import check_weight

Feats = Union[Tensor, Sequence[Tensor]]


def _as_list(x: Feats) -> list:
    return [x] if isinstance(x, Tensor) else list(x)


class _LevelwiseLoss(nn.Module):
    """Mean over levels of a per-level loss, times ``loss_weight``; computed in float32."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = check_weight(loss_weight, f'{type(self).__name__}.loss_weight')

    def level_loss(self, pred: Tensor, target: Tensor) -> Tensor:
        raise NotImplementedError

    def forward(self, preds: Feats, targets: Feats) -> Tensor:
        """Args:
            preds (Tensor | Sequence[Tensor]): Student maps, each (B, C, H, W).
            targets (Tensor | Sequence[Tensor]): Targets of the same shapes (detach them).

        Returns:
            Tensor: The weighted scalar loss.
        """
        preds, targets = _as_list(preds), _as_list(targets)
        if len(preds) != len(targets):
            raise ValueError(f'{type(self).__name__}: {len(preds)} predictions but '
                             f'{len(targets)} targets')
        with float32_region(preds[0]):
            loss = sum(self.level_loss(p.float(), t.float()) for p, t in zip(preds, targets))
        return self.loss_weight * loss / len(preds)


@MODELS.register_module()
class FeatureMSELoss(_LevelwiseLoss):
    """Mean squared error between feature maps (FitNet-style mimicking).

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        normalize (bool): L2-normalise each location over channels first and sum the
            squared error over channels (= 2 - 2 cos per location, in [0, 4]), so the
            loss does not depend on the features' scale. Defaults to False.
    """

    def __init__(self, loss_weight: float = 1.0, normalize: bool = False) -> None:
        super().__init__(loss_weight)
        self.normalize = normalize

    @staticmethod
    def _cosine_terms(pred: Tensor, target: Tensor) -> Tensor:
        """Squared distance of the L2-normalised locations (2 - 2 cos), summed over C."""
        return (F.normalize(pred, dim=1) - F.normalize(target, dim=1)).pow(2).sum(dim=1)

    def level_loss(self, pred: Tensor, target: Tensor) -> Tensor:
        if self.normalize:
            return self._cosine_terms(pred, target).mean()
        return F.mse_loss(pred, target)

    def forward(self, preds: Feats, targets: Feats) -> Tensor:
        """As :meth:`_LevelwiseLoss.forward`; normalised levels of one width in one pass."""
        preds, targets = _as_list(preds), _as_list(targets)
        one_pass = self.normalize and len(preds) == len(targets) > 1 and \
            len({p.shape[:2] for p in preds}) == 1 and \
            all(p.shape == t.shape for p, t in zip(preds, targets))
        if not one_pass:
            return super().forward(preds, targets)
        # Levels of one width: the per-location terms of all levels at once, then each
        # level's mean (same value; one pass instead of one per level).
        counts = [p.shape[2] * p.shape[3] for p in preds]
        with float32_region(preds[0]):
            pred = torch.cat([p.flatten(2) for p in preds], dim=2).float()
            target = torch.cat([t.flatten(2) for t in targets], dim=2).float()
            per_loc = self._cosine_terms(pred, target)
            loss = sum(part.mean() for part in per_loc.split(counts, dim=1))
        return self.loss_weight * loss / len(preds)


@MODELS.register_module()
class PearsonFeatureLoss(_LevelwiseLoss):
    """PKD (Cao et al., 2022): MSE of per-channel standardised maps, i.e. one minus the
    Pearson correlation of each channel, so only the features' relations are imitated.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
    """

    @staticmethod
    def _standardise(x: Tensor) -> Tensor:
        flat = x.transpose(0, 1).flatten(1)  # C, B*H*W
        mean = flat.mean(dim=1, keepdim=True)
        std = flat.std(dim=1, keepdim=True)
        return (flat - mean) / (std + 1e-6)

    def level_loss(self, pred: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(self._standardise(pred), self._standardise(target)) / 2
