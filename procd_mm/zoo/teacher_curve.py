# Copyright (c) procd_mm authors. All rights reserved.
"""The teacher-quality curve: the same distillation with the teacher taken at several
points of its pretraining (random, early, later, final).

If a method transfers the teacher's knowledge, its gain over the random-teacher point grows
with the teacher's quality; a gain that is flat along the curve comes from something else
(extra capacity, regularisation). For ProC-KD runs the prototypes' part alignment on the val
split is measured too (``procd_mm.analysis.evaluate_part_alignment``).

Steps, each skipped when its output exists (resumable): ProC-Parts with part masks; the
zoo's teacher pretraining with every epoch's weights kept and its val top-1 recorded; every
(task, method, teacher point, seed) with the zoo's config and schedule, one JSON line each
in ``out``; then a table of mean ± std and the paired gain over the random teacher.
"""
import json
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from procd_mm.apis import build_runner

from .benchmarks import PARTS_DATA, retarget
from .catalogue import ROOT, TASKS, TEACHER_CFG, config_path
from .configs import prepare_config
from .progress import log
from .provenance import code_version, file_digest
from .stats import mean_std, paired_diff


@dataclass(frozen=True)
class CurveOptions:
    """The curve's runs and files (``tools/model_zoo/teacher_curve.py``'s options).

    Args:
        tasks (tuple[str]): Keys of ``TASKS``.
        methods (tuple[str]): Zoo methods with a teacher.
        points (tuple[str]): Teacher points: ``'random'``, an epoch number, or ``'final'``.
        seeds (tuple[int]): The seeds.
        data (str): ProC-Parts' folder (with part masks).
        work_dir (str): Where the teacher points and runs are kept.
        out (str): One JSON line per finished run (appended).
        iters (int, optional): Training iterations of every run (pipeline check).
        teacher_epochs (int, optional): The teacher's schedule (pipeline check).
    """
    tasks: Tuple[str, ...] = ('det', )
    methods: Tuple[str, ...] = ('procd', 'pkd-bb')
    points: Tuple[str, ...] = ('random', '1', '3', 'final')
    seeds: Tuple[int, ...] = (0, 1, 2)
    data: str = PARTS_DATA
    work_dir: str = 'work_dirs/teacher_curve'
    out: str = 'docs/zoo_runs/teacher_curve.jsonl'
    iters: Optional[int] = None
    teacher_epochs: Optional[int] = None


def ensure_data(data: str) -> None:
    """Generate ProC-Parts with part masks into ``data`` (older copies lack
    ``scenes/part_dir``).

    Args:
        data (str): The folder.
    """
    if osp.isdir(osp.join(data, 'scenes', 'part_dir')):
        return
    from procd_mm.datasets.procd_parts import write_dataset
    log(f'data: generating ProC-Parts with part masks in {data}')
    write_dataset(data, seed=0)


def export_point(state: dict, epoch: int, out_dir: str, top1: float) -> dict:
    """Save a weights-only teacher point.

    Args:
        state (dict): The classifier's state dict.
        epoch (int): Its epoch.
        out_dir (str): Receives ``teacher_epoch<epoch>.pth``.
        top1 (float): Its val top-1.

    Returns:
        dict: ``path``, val ``top1`` and the checkpoint's ``sha256`` (the pretraining is not
        bit-reproducible across machines, so the runs name the weights they loaded).
    """
    import torch
    path = osp.join(out_dir, f'teacher_epoch{epoch}.pth')
    torch.save(dict(state_dict=state, meta=dict(epoch=epoch)), path)
    return dict(path=path, top1=float(top1), sha256=file_digest(path))


def pretrain_teacher(opts: CurveOptions) -> Dict[str, dict]:
    """Pretrain the zoo's teacher keeping every epoch (or read the points kept before).

    Args:
        opts (CurveOptions): The curve's options.

    Returns:
        dict: ``{epoch: {path, top1, sha256}}`` (:func:`export_point`).
    """
    out_dir = osp.join(opts.work_dir, 'teacher')
    index = osp.join(out_dir, 'points.json')
    if osp.exists(index):
        with open(index) as f:
            return json.load(f)
    from mmengine.config import Config
    from mmengine.hooks import Hook
    cfg = Config.fromfile(osp.join(ROOT, TEACHER_CFG))
    cfg = Config(retarget(cfg.to_dict(), opts.data), filename=cfg.filename)
    cfg.work_dir = out_dir
    if opts.teacher_epochs:
        cfg.train_cfg.max_epochs = opts.teacher_epochs
    cfg.train_cfg.val_interval = 1  # the top-1 of every point
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    points: Dict[str, dict] = {}

    class ExportEachEpoch(Hook):
        """Weights-only copy of the classifier after each epoch, with its val top-1."""

        def after_val_epoch(self, runner, metrics=None) -> None:
            state = {k: v.detach().cpu() for k, v in runner.model.state_dict().items()}
            points[str(runner.epoch)] = export_point(
                state, runner.epoch, out_dir,
                (metrics or {}).get('accuracy/top1', float('nan')))

    runner = build_runner(cfg)
    runner.register_hook(ExportEachEpoch(), priority='LOWEST')
    runner.train()
    with open(index, 'w') as f:
        json.dump(points, f, indent=1)
    return points


def teacher_for(point: str, points: Dict[str, dict]) -> Optional[dict]:
    """The record of a teacher point.

    Args:
        point (str): ``'random'``, an epoch number or ``'final'``.
        points (dict): :func:`pretrain_teacher`'s points.

    Returns:
        dict, optional: ``path``, ``top1`` (and ``sha256``); None for random weights.

    Raises:
        KeyError: For an epoch the teacher does not have.
    """
    if point == 'random':
        return None
    key = str(max(int(e) for e in points)) if point == 'final' else point
    if key not in points:
        raise KeyError(f'--points {point}: the teacher has epochs {sorted(points, key=int)}')
    return points[key]


def run_point(opts: CurveOptions, task: str, method: str, point: str, seed: int,
              points: Dict[str, dict]) -> dict:
    """Train and test one run (or read its result); ProC-KD runs also get their part
    alignment on val.

    Args:
        opts (CurveOptions): The curve's options.
        task (str): The task.
        method (str): The method.
        point (str): The teacher point.
        seed (int): The seed.
        points (dict): :func:`pretrain_teacher`'s points.

    Returns:
        dict: The run's record (also appended to ``opts.out``).
    """
    work_dir = osp.join(opts.work_dir, task, method, point, f'seed{seed}')
    done = osp.join(work_dir, 'result.json')
    if osp.exists(done):
        with open(done) as f:
            return json.load(f)
    teacher = teacher_for(point, points)
    ckpt = teacher['path'] if teacher else None
    cfg = prepare_config(config_path(task, method), opts.data, work_dir, seed, ckpt, False,
                         opts.iters)
    cfg.model.teacher_ckpt = ckpt
    cfg.experiment_name = cfg.visualizer.name = f'{task}_{method}_{point}_seed{seed}'
    t0 = time.time()
    runner = build_runner(cfg)
    runner.train()
    train_s = time.time() - t0
    metrics = runner.test()
    metric = float(metrics.get(TASKS[task]['metric'], 0.0))
    metric *= 100 if task == 'det' else 1
    result = dict(task=task, method=method, point=point, seed=seed, metric=round(metric, 3),
                  teacher_ckpt=ckpt, train_s=round(train_s, 1), code=code_version())
    if teacher:
        result['teacher_top1'] = teacher['top1']
        if teacher.get('sha256'):
            result['teacher_sha256'] = teacher['sha256']
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    if hasattr(model, 'proto_head'):
        from procd_mm.analysis import evaluate_part_alignment
        align = evaluate_part_alignment(model.eval(), osp.join(opts.data, 'scenes'), 'val')
        result['part_alignment'] = {
            row: {k: v for k, v in vals.items() if isinstance(v, (int, float))}
            for row, vals in align['rows'].items()}
    os.makedirs(work_dir, exist_ok=True)
    with open(done, 'w') as f:
        json.dump(result, f, indent=1)
    os.makedirs(osp.dirname(opts.out) or '.', exist_ok=True)
    with open(opts.out, 'a') as f:
        f.write(json.dumps(result) + '\n')
    return result


def run_curve(opts: CurveOptions, points: Dict[str, dict]) -> List[dict]:
    """Every (task, seed, method, point) run of the curve.

    Args:
        opts (CurveOptions): The curve's options.
        points (dict): :func:`pretrain_teacher`'s points.

    Returns:
        list[dict]: The runs' records.
    """
    results = []
    for task in opts.tasks:
        for seed in opts.seeds:
            for method in opts.methods:
                for point in opts.points:
                    log(f'{task}/{method}/{point}/seed{seed}: running')
                    res = run_point(opts, task, method, point, seed, points)
                    log(f'{task}/{method}/{point}/seed{seed}: {res["metric"]:.2f}')
                    results.append(res)
    return results


def table(results: List[dict], points: Sequence[str]) -> str:
    """Per (task, method) and point, the metric, the paired gain over the random teacher
    (mean ± standard error) and, for ProC-KD, the part NMI against its chance row.

    Args:
        results (list[dict]): The runs' records.
        points (Sequence[str]): The teacher points, in the table's order.

    Returns:
        str: The markdown table.
    """
    lines = ['| task | method | teacher point | teacher top-1 | metric | gain over random '
             '(paired, ± s.e.) | part NMI (chance) |', '| --- | --- | --- | --- | --- | --- | --- |']
    by: Dict[tuple, Dict[int, dict]] = {}
    for r in results:
        by.setdefault((r['task'], r['method'], r['point']), {})[r['seed']] = r
    for task, method in dict.fromkeys((t, m) for t, m, _ in by):
        rand = by.get((task, method, 'random'), {})
        for point in points:
            runs = by.get((task, method, point), {})
            if not runs:
                continue
            vals = [r['metric'] for r in runs.values()]
            gain = '–' if point == 'random' else paired_diff(
                {s: r['metric'] for s, r in runs.items()},
                {s: r['metric'] for s, r in rand.items()})
            top1 = next(iter(runs.values())).get('teacher_top1')
            nmi = [r['part_alignment']['model']['nmi_part'] for r in runs.values()
                   if r.get('part_alignment')]
            chance = [r['part_alignment']['chance_shuffled']['nmi_part'] for r in runs.values()
                      if r.get('part_alignment')]
            nmi_s = (f'{sum(nmi) / len(nmi):.3f} ({sum(chance) / len(chance):.3f})' if nmi
                     else '–')
            lines.append(f'| {task} | {method} | {point} | '
                         f'{"–" if top1 is None else f"{top1:.1f}%"} | {mean_std(vals)} | '
                         f'{gain} | {nmi_s} |')
    return '\n'.join(lines)
