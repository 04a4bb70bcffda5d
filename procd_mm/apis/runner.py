# Copyright (c) procd_mm authors. All rights reserved.
from mmengine.config import Config
from mmengine.runner import Runner

from procd_mm.engine import ProCDRunner
from procd_mm.registry import RUNNERS


def build_runner(cfg: Config) -> Runner:
    """The runner of a config: the one its ``runner_type`` names, else
    :class:`procd_mm.engine.ProCDRunner` (checkpoint rule and CPU distributed runs).

    Args:
        cfg (Config): A complete run config.

    Returns:
        Runner: The runner, built (distributed set-up done, model built).
    """
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return ProCDRunner.from_cfg(cfg)
