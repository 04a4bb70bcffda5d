# Copyright (c) procd_mm authors. All rights reserved.
from typing import Callable, Dict, List, Optional, Tuple, Union

import torch
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import load_state_dict

from procd_mm.registry import RUNNERS
from procd_mm.utils.checkpoint import (read_checkpoint, revised_state_dict,
                                       trusted_checkpoints)
from .cpu_dist import init_cpu_process_group

RevisedKeys = List[Tuple[str, str]]


@RUNNERS.register_module()
class ProCDRunner(Runner):
    """MMEngine's Runner, reading checkpoints by procd_mm's rule and running on CPU hosts.

    - Checkpoints: ``resume`` reads the run's own checkpoint with full unpickling (it holds
      the message hub and optimizer state); ``load_from`` and every other file are read
      weights-only, except inside :func:`procd_mm.utils.trusted_checkpoints` (what
      ``tools/test.py`` does for the run's checkpoint). See :mod:`procd_mm.utils.checkpoint`.
    - Distributed runs without a GPU: the gloo process group is started from the launcher's
      environment before MMEngine's set-up (:mod:`procd_mm.engine.cpu_dist`), and DDP is
      built with ``device_ids=None``. With GPUs, MMEngine's set-up runs as it is.

    Select it with ``runner_type = 'procd_mm.ProCDRunner'`` in the config (procd_mm's
    configs do); the tools build it for configs that name no runner.
    """

    def setup_env(self, env_cfg: Dict) -> None:
        """MMEngine's ``setup_env``, with the process group started first on CPU hosts."""
        if self.distributed and not is_distributed() and not torch.cuda.is_available():
            init_cpu_process_group(self.launcher, **env_cfg.get('dist_cfg', {}))
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict], model: torch.nn.Module):
        """MMEngine's ``wrap_model``; on CPU hosts DDP gets ``device_ids=None``."""
        if self.distributed and not torch.cuda.is_available() and not is_model_wrapper(model):
            model_wrapper_cfg = dict(model_wrapper_cfg or dict(
                type='MMDistributedDataParallel', broadcast_buffers=False,
                find_unused_parameters=self.cfg.get('find_unused_parameters', False)))
            model_wrapper_cfg.setdefault('device_ids', None)
        return super().wrap_model(model_wrapper_cfg, model)

    def resume(self, filename: str, *args, **kwargs) -> None:
        """Resume from ``filename``, the run's own checkpoint; see ``Runner.resume``."""
        with trusted_checkpoints():
            super().resume(filename, *args, **kwargs)

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: RevisedKeys = [(r'^module.', '')]) -> dict:
        """``Runner.load_checkpoint``, reading the file with
        :func:`procd_mm.utils.read_checkpoint`.

        Args:
            filename (str): Local path or URL.
            map_location (str | Callable): Passed to ``torch.load``. Defaults to ``'cpu'``.
            strict (bool): Whether the keys must match the model's. Defaults to False.
            revise_keys (list[tuple[str, str]]): ``(pattern, replacement)`` applied to the
                keys. Defaults to stripping ``module.``.

        Returns:
            dict: The checkpoint.
        """
        checkpoint = read_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        state_dict = revised_state_dict(checkpoint.get('state_dict', checkpoint), revise_keys)
        load_state_dict(model, state_dict, strict, self.logger)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
