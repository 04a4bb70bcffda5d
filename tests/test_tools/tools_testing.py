# Copyright (c) procd_mm authors. All rights reserved.
"""Helpers for the tools tests: tiny data, config files and subprocess runs."""
import os
import os.path as osp
import re
import socket
import subprocess
import sys

from mm_testing import ROOT, tiny_det_train_cfg, write_tiny_coco

TOOLS = osp.join(ROOT, 'tools')
TEST_DATA = osp.join(ROOT, 'tests', 'data')


def free_port() -> int:
    """A TCP port that is free on the loopback interface now (another process may take it
    before the tool binds it: single-node launches pass PORT=0 instead, the others use
    :func:`retry_port_clash`)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


PORT_CLASH = re.compile(r'EADDRINUSE|[Aa]ddress already in use')


def retry_port_clash(run, tries: int = 3):
    """Call ``run(port)``, which returns ``(result, failed, log)``, with a fresh
    :func:`free_port`, again while it failed because another process bound the port
    first; return the last result."""
    for attempt in range(tries):
        result, failed, log = run(free_port())
        if not (failed and PORT_CLASH.search(log)) or attempt == tries - 1:
            return result


def tiny_config(tmp_path, max_iters: int = 3, hash_hook: bool = False, val: bool = False):
    """Write tiny COCO data and a tiny ProC-KD config; return (config path, work_dir)."""
    data = write_tiny_coco(str(tmp_path / 'data'))
    work_dir = str(tmp_path / 'work')
    cfg = tiny_det_train_cfg(data, work_dir, max_iters)
    if not val:
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    if hash_hook:
        cfg.custom_imports.imports.append('rank_hash_hook')
        cfg.custom_hooks = [dict(type='RankHashHook')]
        # Every rank builds different random weights: DDP must make the students equal, and
        # must leave each rank's teacher alone.
        cfg.randomness = dict(seed=0, diff_rank_seed=True)
    path = str(tmp_path / 'tiny_procd.py')
    cfg.dump(path)
    return path, work_dir


def tool_env(**extra) -> dict:
    """Environment for running the tools: this interpreter, one thread per process, no GPU
    (the tests expect CPU runs with gloo whatever the host has; pass CUDA_VISIBLE_DEVICES
    to test a GPU)."""
    env = dict(os.environ)
    env.update(
        PYTHON=sys.executable,
        PYTHONPATH=os.pathsep.join([ROOT, TEST_DATA, env.get('PYTHONPATH', '')]),
        OMP_NUM_THREADS='1',
        MKL_NUM_THREADS='1',
        CUDA_VISIBLE_DEVICES='')
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_tool(args, timeout: int = 120, **env) -> subprocess.CompletedProcess:
    """Run ``args`` (a tool command) with :func:`tool_env`; output captured as text."""
    return subprocess.run(args, cwd=ROOT, env=tool_env(**env), capture_output=True, text=True,
                          timeout=timeout)


def python_tool(name: str, *args, **kwargs) -> subprocess.CompletedProcess:
    """Run ``tools/<name>`` with this interpreter."""
    return run_tool([sys.executable, osp.join(TOOLS, name), *map(str, args)], **kwargs)
