# Copyright (c) procd_mm authors. All rights reserved.
from mmengine.runner import Runner

from procd_mm.registry import RUNNERS
from procd_mm.utils.checkpoint import trusted_checkpoints


@RUNNERS.register_module()
class ProCDRunner(Runner):
    """MMEngine's Runner, resuming its own checkpoints with full unpickling.

    Every other checkpoint (``load_from``, teacher and pretrained weights) is read with
    ``torch.load(weights_only=True)`` by :mod:`procd_mm.utils.checkpoint`. Select it with
    ``runner_type = 'procd_mm.ProCDRunner'`` in the config (procd_mm's configs do).
    """

    def resume(self, filename: str, *args, **kwargs) -> None:
        """Resume from ``filename`` (the run's own checkpoint); see ``Runner.resume``."""
        with trusted_checkpoints():
            super().resume(filename, *args, **kwargs)
