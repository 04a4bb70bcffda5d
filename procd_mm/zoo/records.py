# Copyright (c) procd_mm authors. All rights reserved.
"""The zoo's records: each run's ``result.json`` and each pretraining's ``teacher.json``,
read from the work dir or from the copies published next to the table."""
import json
import os
import os.path as osp
import shutil
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from .catalogue import METHODS, PRETRAIN
from .layout import plan, published_dir, published_root, result_path, run_dir, stage1_dir
from .options import ZooOptions


def records_by_seed(opts: ZooOptions, task: str, method: str, seeds: Iterable[int],
                    accept: Optional[Callable[[dict], bool]] = None) -> Dict[int, dict]:
    """The record of each finished seed of ``method`` on the split ``opts`` names.

    Args:
        opts (ZooOptions): The table's options (its work dir and published records).
        task (str): The task.
        method (str): The method.
        seeds (Iterable[int]): The seeds to look for.
        accept (Callable, optional): Keeps only the records it accepts.

    Returns:
        dict: Record by seed.
    """
    out = {}
    for seed in seeds:
        path = result_path(opts, task, method, seed)
        if path:
            with open(path) as f:
                record = json.load(f)
            if accept is None or accept(record):
                out[seed] = record
    return out


def metrics_by_seed(opts: ZooOptions, task: str, method: str, seeds: Iterable[int],
                    accept: Optional[Callable[[dict], bool]] = None) -> Dict[int, float]:
    """The metric of each seed :func:`records_by_seed` gives.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        method (str): The method.
        seeds (Iterable[int]): The seeds to look for.
        accept (Callable, optional): Keeps only the records it accepts.

    Returns:
        dict: Metric by seed.
    """
    return {seed: float(r['metric'])
            for seed, r in records_by_seed(opts, task, method, seeds, accept).items()}


def collect(opts: ZooOptions) -> List[dict]:
    """Every finished run's ``result.json`` of the planned table.

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        list[dict]: The records, in the order of the plan.
    """
    out = []
    for task, method, seed in plan(opts):
        path = result_path(opts, task, method, seed)
        if path:
            with open(path) as f:
                out.append(json.load(f))
    return out


def publish_run(opts: ZooOptions, res: dict) -> Dict[str, str]:
    """Copy a run's log, config and result next to the table.

    Args:
        opts (ZooOptions): The table's options.
        res (dict): The run's record.

    Returns:
        dict: Link relative to the table's folder, by file name (``config.py``,
        ``run.log``, ``result.json``; for a two-stage method also ``stage1.json``,
        ``stage1_config.py``, ``stage1_run.log``), for each published file (also one
        published from another machine).
    """
    doc_dir = osp.dirname(osp.abspath(opts.doc))
    dst = published_dir(opts, res['task'], res['method'], res['seed'])
    os.makedirs(dst, exist_ok=True)
    src_dir = run_dir(opts, res['task'], res['method'], res['seed'])
    links = {}
    files = [('config.py', osp.join(src_dir, 'config.py')), ('run.log', res.get('log')),
             ('result.json', osp.join(src_dir, 'result.json'))]
    stage1 = osp.join(stage1_dir(opts, res['task'], res['method'], res['seed']),
                      'stage1.json')
    if osp.exists(stage1):  # a two-stage method: its first stage's records too
        with open(stage1) as f:
            info = json.load(f)
        files += [('stage1.json', stage1), ('stage1_config.py', info.get('config')),
                  ('stage1_run.log', info.get('log'))]
    for name, src in files:
        if src and osp.exists(src) and osp.abspath(src) != osp.abspath(osp.join(dst, name)):
            shutil.copyfile(src, osp.join(dst, name))
        if osp.exists(osp.join(dst, name)):
            links[name] = osp.relpath(osp.join(dst, name), doc_dir)
    return links


def pretraining_id(info: dict) -> tuple:
    """What tells two pretraining records apart.

    Args:
        info (dict): A pretraining record.

    Returns:
        tuple: The checkpoint's digest where the record has one (the same val top-1 can
        come from other weights), else val top-1 and split.
    """
    if info.get('sha256'):
        return ('sha256', info['sha256'])
    return ('accuracy', info.get('accuracy'), repr(info.get('split')))


def pretrain_records(opts: ZooOptions) -> Dict[str, List[dict]]:
    """Each pretraining's records for the table, all published next to the table.

    The first (``<runs_subdir>/pretrain/<name>.json``) is the pretraining the table's
    earlier runs used. The recipe is not bit-reproducible across machines and thread
    counts, so a pretraining done again elsewhere (another checkpoint digest, or for records
    without one another val top-1) is kept beside it (``<name>.again.jsonl``, one record a
    line): published runs made with it stay explained after its work dir is gone. This
    machine's own record is published when it is new.

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        dict: Records by key of ``PRETRAIN``, the first one first; pretrainings without
        records are left out.
    """
    records = {}
    for name in PRETRAIN:
        pub = osp.join(published_root(opts), 'pretrain', f'{name}.json')
        again = osp.join(published_root(opts), 'pretrain', f'{name}.again.jsonl')
        local = osp.join(opts.work_dir, name, 'teacher.json')
        found = []
        if osp.exists(pub):
            with open(pub) as f:
                found.append(json.load(f))
        if osp.exists(again):
            with open(again) as f:
                found += [json.loads(line) for line in f if line.strip()]
        if osp.exists(local):
            with open(local) as f:
                info = json.load(f)
            if not found:
                os.makedirs(osp.dirname(pub), exist_ok=True)
                shutil.copyfile(local, pub)
                found.append(info)
            elif pretraining_id(info) not in [pretraining_id(r) for r in found]:
                with open(again, 'a') as f:
                    f.write(json.dumps(info) + '\n')
                found.append(info)
        if found:
            records[name] = found
    return records


def runs_by_method(opts: ZooOptions, rows: List[dict]) -> List[Tuple[str, List[dict]]]:
    """The records of each method of the table that has any.

    Args:
        opts (ZooOptions): The table's options (its methods).
        rows (list[dict]): One task's records.

    Returns:
        list[tuple]: ``(method, records by seed)`` in the order of ``METHODS``.
    """
    out = []
    for method in [m for m in METHODS if m in opts.methods]:
        runs = sorted([r for r in rows if r['method'] == method], key=lambda r: r['seed'])
        if runs:
            out.append((method, runs))
    return out
