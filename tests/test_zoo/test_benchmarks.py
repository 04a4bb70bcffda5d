# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.zoo.benchmarks: a zoo config pointed at another benchmark changes only its
data paths, class names and teacher checkpoint."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from procd_mm.zoo import benchmarks as bench
from procd_mm.zoo.catalogue import ROOT


def _write_meta(folder, teacher, student):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'meta.json').write_text(json.dumps(
        dict(teacher_classes=list(teacher), student_classes=list(student))))


def _flat(cfg, out=None, key=''):
    out = {} if out is None else out
    if isinstance(cfg, dict):
        for k, v in cfg.items():
            _flat(v, out, f'{key}.{k}')
    elif isinstance(cfg, (list, tuple)) and not all(isinstance(v, str) for v in cfg):
        for i, v in enumerate(cfg):
            _flat(v, out, f'{key}[{i}]')
    else:
        out[key] = cfg
    return out


@pytest.mark.parametrize('rel', ['configs/zoo/seg/fcn_r18_parts_procd.py',
                                 'configs/zoo/det/retinanet_r18_parts_init-teacher.py',
                                 'configs/zoo/teacher_r18_procd-parts-cls.py'])
def test_retarget_changes_only_paths_classes_and_teacher(tmp_path, rel):
    teacher = [f't{i}' for i in range(10)]
    student = ['star', 'cross', 'crescent', 'arrow']
    data = tmp_path / 'shapes'
    _write_meta(data, teacher, student)
    cfg = Config.fromfile(osp.join(ROOT, rel)).to_dict()
    new = bench.retarget(cfg, str(data), teacher_ckpt='/ckpt/t.pth')
    before, after = _flat(cfg), _flat(new)
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed
    for k in changed:
        old, value = before[k], after[k]
        if isinstance(old, str) and old.startswith(bench.CONFIG_TEACHER_CKPT):
            assert value == '/ckpt/t.pth', k
        elif isinstance(old, str):
            rest = old[len(bench.PARTS_DATA):]
            assert old.startswith(bench.PARTS_DATA) and value == str(data) + rest, k
        else:
            assert tuple(value) in {tuple(teacher), tuple(student),
                                    ('background', *student)}, k
    if 'init-teacher' in rel:
        assert new['model']['backbone']['init_cfg']['checkpoint'] == '/ckpt/t.pth'
    if 'seg' in rel:
        assert new['model']['student']['decode_head']['num_classes'] == 5


def test_retarget_refuses_other_class_counts(tmp_path):
    _write_meta(tmp_path, ['a'] * 3, ['b'] * 4)
    with pytest.raises(ValueError, match='10 teacher and 4 student classes, got 3 and 4'):
        bench.retarget({'x': 1}, str(tmp_path))


def test_every_benchmark_names_an_existing_generator():
    import importlib
    for spec in bench.BENCHMARKS.values():
        assert osp.exists(osp.join(ROOT, 'tools', 'dataset_converters',
                                   spec['generator'] + '.py'))
        module = importlib.import_module(spec['module'])
        assert callable(module.write_dataset) and module.COUNTS


def test_generate_benchmark_writes_with_the_benchmarks_own_generator(tmp_path):
    counts = dict(cls_train=1, cls_val=1, det_train=1, det_val=1, det_test=1)
    meta = bench.generate_benchmark('procd-shapes', str(tmp_path / 'shapes'), counts, seed=3)
    assert meta['name'] == 'ProC-Shapes' and meta['seed'] == 3
    assert json.load(open(tmp_path / 'shapes' / 'meta.json')) == meta
