# Copyright (c) procd_mm authors. All rights reserved.
"""A probe: one zoo config trained and tested with config overrides, its test metrics
appended as one JSON line (the diagnosis runs behind the notes of ``docs/model_zoo.md``).

Overrides are ``KEY=VALUE`` with a Python literal as the value (else the text itself) and
*replace* the value at ``KEY`` (a dict replaces the whole dict): the documented probes set
whole dicts (``model.loss_feat={...}``, ``model.backbone.init_cfg={...}``), which MMEngine's
``DictAction`` would split at the commas and ``merge_from_dict`` would merge.
"""
import ast
import json
import os
import os.path as osp
import time
from typing import Any, Optional, Sequence

from procd_mm.apis import build_runner

from .configs import prepare_config
from .provenance import code_version


def parse_value(text: str) -> Any:
    """A Python literal, or the text itself.

    Args:
        text (str): The ``VALUE`` of ``KEY=VALUE``.

    Returns:
        Any: The value.
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def set_key(cfg, key: str, value: Any) -> None:
    """Set a dotted ``key`` of ``cfg`` to ``value`` (replacing, not merging).

    Args:
        cfg (mmengine.Config): Changed in place.
        key (str): e.g. ``model.teacher_ckpt``.
        value (Any): The new value.

    Raises:
        KeyError: When a parent of ``key`` is not in the config.
    """
    *parents, last = key.split('.')
    node = cfg
    for p in parents:
        if p not in node:
            raise KeyError(f'--cfg-options {key}: the config has no "{p}"')
        node = node[p]
    node[last] = value


def probe_run(name: str, config: str, seed: int, data: str, teacher: str, work_dir: str,
              out: str, cfg_options: Sequence[str] = (), iters: Optional[int] = None) -> dict:
    """Train and test ``config`` with the zoo's preparation and ``cfg_options``.

    Args:
        name (str): The probe's name (work dir and record).
        config (str): A config under ``configs/zoo/``, relative to the checkout.
        seed (int): The seed.
        data (str): The benchmark folder.
        teacher (str): The teacher checkpoint.
        work_dir (str): Runs go to ``<work_dir>/<name>/seed<seed>``.
        out (str): The JSON-lines file the record is appended to.
        cfg_options (Sequence[str]): ``KEY=VALUE`` overrides, applied in order.
        iters (int, optional): Training iterations (the config's own when None).

    Returns:
        dict: The record: name, config, seed, the overrides as given, code version, test
        metrics and train time.
    """
    run_dir = osp.join(work_dir, name, f'seed{seed}')
    cfg = prepare_config(config, data, run_dir, seed, teacher, False, iters)
    for item in cfg_options:
        key, _, value = item.partition('=')
        set_key(cfg, key, parse_value(value))
    cfg.experiment_name = cfg.visualizer.name = f'{name}_seed{seed}'
    t0 = time.time()
    runner = build_runner(cfg)
    runner.train()
    train_s = time.time() - t0
    metrics = {k: float(v) for k, v in runner.test().items()}
    result = dict(name=name, config=config, seed=seed, cfg_options=list(cfg_options),
                  code=code_version(), metrics=metrics, train_s=round(train_s, 1))
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    with open(out, 'a') as f:
        f.write(json.dumps(result) + '\n')
    return result
