# Copyright (c) procd_mm authors. All rights reserved.
"""The zoo's OpenMMLab metafiles: ``metafile.yml`` (one model per row of the table) and
``model-index.yml``."""
import os
import os.path as osp
from typing import List

from .benchmarks import BENCHMARKS
from .catalogue import PRETRAIN, ROOT, TASKS, config_path, method_label
from .options import ZooOptions
from .pretraining import pretrainings_of
from .records import runs_by_method


def teacher_label(task: str, method: str, bench_name: str) -> str:
    """The metafile's ``Teacher`` of a row.

    Args:
        task (str): The task.
        method (str): The method.
        bench_name (str): The benchmark's name.

    Returns:
        str: The teacher pretraining the method's configs load (e.g. ``ResNet-18
        (ProC-Parts cls)``), or the distiller's randomly initialised teacher, or ``none``.
    """
    from mmengine.config import Config
    names = [n for n in pretrainings_of(task, method) if n.startswith('teacher')]
    if names:
        pretrain_cfg = Config.fromfile(osp.join(ROOT, PRETRAIN[names[0]]['config']))
        return f'ResNet-{pretrain_cfg.model.backbone.depth} ({bench_name} cls)'
    teacher = Config.fromfile(osp.join(ROOT, config_path(task, method))).model.get('teacher')
    if isinstance(teacher, dict) and 'depth' in teacher:
        return f'ResNet-{teacher["depth"]}, random init'
    return 'none'


def models(opts: ZooOptions, results: List[dict]) -> List[dict]:
    """One metafile model per row of the table's results tables.

    Args:
        opts (ZooOptions): The table's options.
        results (list[dict]): The finished runs' records.

    Returns:
        list[dict]: The ``Models`` entries.
    """
    bench = BENCHMARKS[opts.benchmark]
    out = []
    for task in opts.tasks:
        spec = TASKS[task]
        for method, runs in runs_by_method(opts, [r for r in results if r['task'] == task]):
            values = [r['metric'] for r in runs]
            train_min = sum(r['train_time_s'] for r in runs) / len(runs) / 60
            out.append(dict(
                Name=f'{spec["stem"]}_{method}' + ('_quick' if opts.quick else ''),
                **{'In Collection': 'ProC-KD'},
                Config=runs[0]['config'],
                Metadata={'Training Data': bench['name'], 'Student': spec['student'],
                          'Teacher': teacher_label(task, method, bench['name']),
                          'Method': method_label(method, task),
                          'Seeds': [r['seed'] for r in runs],
                          'Iterations': runs[0]['iters'],
                          'Parameters': runs[0]['student_params'],
                          'Training Time (s)': round(train_min * 60, 1),
                          'Pipeline check only': bool(opts.quick)},
                Results=[dict(Task=spec['task_name'], Dataset=bench['name'],
                              Metrics={spec['pwc']: round(sum(values) / len(values), 2)})],
                Weights=None))
    return out


def write_metafiles(opts: ZooOptions, results: List[dict]) -> None:
    """Write ``opts.metafile`` and ``opts.model_index``.

    Args:
        opts (ZooOptions): The table's options.
        results (list[dict]): The finished runs' records.
    """
    import yaml
    meta = dict(
        Collections=[dict(
            Name='ProC-KD',
            Metadata={'Training Data': BENCHMARKS[opts.benchmark]['name'],
                      'Training Resources': '2 CPU cores'},
            Paper=dict(URL='https://arxiv.org/abs/2212.13180',
                       Title='Prototype-guided Cross-task Knowledge Distillation'),
            README=osp.relpath(opts.doc, osp.dirname(osp.abspath(opts.metafile))))],
        Models=models(opts, results))
    for path in (opts.metafile, opts.model_index):  # a table-only call may precede the work dir
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(opts.metafile, 'w') as f:
        yaml.safe_dump(meta, f, sort_keys=False, allow_unicode=True)
    with open(opts.model_index, 'w') as f:
        yaml.safe_dump(dict(Import=[osp.relpath(opts.metafile,
                                                osp.dirname(osp.abspath(opts.model_index)))]),
                       f, sort_keys=False)
