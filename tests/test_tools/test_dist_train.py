# Copyright (c) procd_mm authors. All rights reserved.
"""tools/dist_train.sh on CPU (gloo): two processes, and two nodes on loopback."""
import json
import os.path as osp
import subprocess

import pytest
from tools_testing import TOOLS, retry_port_clash, tiny_config, tool_env

MAX_ITERS = 3


def read_hashes(work_dir, world_size):
    out = []
    for rank in range(world_size):
        path = osp.join(work_dir, f'hashes_rank{rank}.json')
        assert osp.isfile(path), f'rank {rank} wrote no hashes (did it train?)'
        with open(path) as f:
            out.append(json.load(f))
    return out


def check_ranks(hashes):
    """Students identical and trained; teachers per rank, frozen, never synchronised."""
    assert [h['rank'] for h in hashes] == [0, 1]
    for h in hashes:
        assert h['world_size'] == 2
        assert h['backend'] == 'gloo'  # tool_env hides any GPU
        assert h['wrapper'] == 'MMDistributedDataParallel'
        assert h['iter'] == MAX_ITERS
        # the run changed the student, not the teacher
        assert h['after']['student'] != h['before']['student']
        assert h['after']['teacher'] == h['before']['teacher']
        assert not h['after']['teacher_requires_grad']
        assert not h['after']['teacher_training']
    r0, r1 = hashes
    for key in ('student', 'trainable', 'prototypes'):
        assert r0['before'][key] == r1['before'][key], f'{key} not broadcast by DDP'
        assert r0['after'][key] == r1['after'][key], f'{key} differs between ranks'
    # diff_rank_seed gave each rank its own random teacher: equal hashes would mean that
    # something synchronised it.
    assert r0['before']['teacher'] != r1['before']['teacher']
    assert r0['after']['teacher'] != r1['after']['teacher']


@pytest.mark.slow
def test_dist_train_two_processes(tmp_path):
    config, work_dir = tiny_config(tmp_path, MAX_ITERS, hash_hook=True)
    proc = subprocess.run(
        ['bash', osp.join(TOOLS, 'dist_train.sh'), config, '2'],
        env=tool_env(PORT=0), capture_output=True, text=True, timeout=150,  # a free port
        cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    check_ranks(read_hashes(work_dir, 2))
    assert osp.isfile(osp.join(work_dir, f'iter_{MAX_ITERS}.pth'))


@pytest.mark.slow
def test_dist_train_two_nodes_loopback(tmp_path):
    config, work_dir = tiny_config(tmp_path, MAX_ITERS, hash_hook=True)
    # Both nodes must be told the port, so PORT=0 cannot work here: retry on a clash.
    procs, outs = retry_port_clash(lambda port: _two_nodes(config, tmp_path, port))
    for node, (p, out) in enumerate(zip(procs, outs)):
        assert p.returncode == 0, f'node {node}:\n{out[-3000:]}'
    check_ranks(read_hashes(work_dir, 2))


def _two_nodes(config, tmp_path, port):
    procs = [
        subprocess.Popen(
            ['bash', osp.join(TOOLS, 'dist_train.sh'), config, '1'],
            env=tool_env(NNODES=2, NODE_RANK=node, MASTER_ADDR='127.0.0.1', PORT=port),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
        for node in (0, 1)
    ]
    outs = []
    try:
        outs.append(procs[0].communicate(timeout=150)[0])
        if procs[0].returncode != 0:
            procs[1].kill()  # node 0 hosts the store: without it node 1 would wait for it
        outs.append(procs[1].communicate(timeout=150)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return (procs, outs), procs[0].returncode != 0, outs[0]


def test_dist_train_usage():
    proc = subprocess.run(['bash', osp.join(TOOLS, 'dist_train.sh'), 'only_config.py'],
                          env=tool_env(), capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert 'usage' in proc.stderr


@pytest.mark.slow
def test_dist_test_two_processes(tmp_path):
    from tools_testing import python_tool
    config, work_dir = tiny_config(tmp_path, max_iters=2)
    train = python_tool('train.py', config)
    assert train.returncode == 0, train.stderr[-3000:]
    out = str(tmp_path / 'preds.pkl')
    proc = subprocess.run(
        ['bash', osp.join(TOOLS, 'dist_test.sh'), config, osp.join(work_dir, 'iter_2.pth'), '2',
         '--out', out, '--cfg-options', 'model.student.test_cfg.score_thr=0.0'],
        env=tool_env(PORT=0), capture_output=True, text=True, timeout=150,  # a free port
        cwd=tmp_path)  # mmengine gathers results through ./.dist_test
    check_gathered_test(proc, out)


def check_gathered_test(proc, out):
    """A 2-rank test run passed, evaluated, and gathered both ranks' halves of the 8
    tiny images on rank 0 (every image once) into ``out``."""
    import pickle
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    assert 'coco/bbox_mAP' in log, log[-6000:]
    with open(out, 'rb') as f:
        preds = pickle.load(f)
    ids = sorted(p['img_id'] for p in preds)
    assert ids == list(range(1, 9)), ids
