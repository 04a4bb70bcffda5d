# Copyright (c) procd_mm authors. All rights reserved.
"""The teacher-quality curve: the same distillation with the teacher taken at several
points of its pretraining (random, early, later, final).

If a method transfers the teacher's knowledge, its gain over the random-teacher point grows
with the teacher's quality; a gain that is flat along the curve comes from something else
(extra capacity, regularisation). For ProC-KD runs the prototypes' part alignment on the val
split is measured too (``procd_mm.analysis.evaluate_part_alignment``).

Steps, each skipped when its output exists (resumable):

1. ProC-Parts (with part masks) in ``--data``;
2. the zoo's teacher pretraining (``configs/zoo/teacher_r18_procd-parts-cls.py``, same
   seed and schedule) with every epoch's weights kept and its val top-1 recorded;
3. every (task, method, teacher point, seed) with the zoo's config and schedule; one JSON
   line each in ``--out``; then a table of mean ± std and the paired gain over the random
   teacher.

Usage::

    python tools/model_zoo/teacher_curve.py --tasks det --methods procd pkd-bb \\
        --points random 1 3 final --seeds 0 1 2
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import run_zoo  # noqa: E402
from zoo_stats import mean_std, paired_diff  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', choices=list(run_zoo.TASKS), default=['det'])
    parser.add_argument('--methods', nargs='+', default=['procd', 'pkd-bb'],
                        help='zoo methods with a teacher (configs/zoo/<task>/*_<method>.py)')
    parser.add_argument('--points', nargs='+', default=['random', '1', '3', 'final'],
                        help="teacher points: 'random', an epoch number, or 'final'")
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--data', default=run_zoo.DEFAULT_DATA)
    parser.add_argument('--work-dir', default='work_dirs/teacher_curve')
    parser.add_argument('--out', default='docs/zoo_runs/teacher_curve.jsonl',
                        help='one JSON line per finished run (appended)')
    parser.add_argument('--iters', type=int, default=None, help='override (pipeline check)')
    parser.add_argument('--teacher-epochs', type=int, default=None,
                        help='override the teacher schedule (pipeline check)')
    parser.add_argument('--pretrain-only', action='store_true',
                        help="pretrain the teacher's points (step 2) and stop")
    return parser.parse_args(argv)


def ensure_data(data: str) -> None:
    """ProC-Parts with part masks (older copies lack ``scenes/part_dir``)."""
    if osp.isdir(osp.join(data, 'scenes', 'part_dir')):
        return
    from make_procd_parts import write_dataset
    run_zoo.log(f'data: generating ProC-Parts with part masks in {data}')
    write_dataset(data, seed=0)


def export_point(state: dict, epoch: int, out_dir: str, top1: float) -> dict:
    """Save a weights-only teacher point; returns its record: ``path``, val ``top1`` and the
    checkpoint's ``sha256`` (the pretraining is not bit-reproducible across machines, so the
    runs name the weights they loaded)."""
    import torch
    path = osp.join(out_dir, f'teacher_epoch{epoch}.pth')
    torch.save(dict(state_dict=state, meta=dict(epoch=epoch)), path)
    return dict(path=path, top1=float(top1), sha256=run_zoo.file_digest(path))


def pretrain_teacher(args) -> Dict[str, dict]:
    """Pretrain the zoo's teacher keeping every epoch; returns ``{epoch: {path, top1, sha256}}``
    (:func:`export_point`)."""
    out_dir = osp.join(args.work_dir, 'teacher')
    index = osp.join(out_dir, 'points.json')
    if osp.exists(index):
        with open(index) as f:
            return json.load(f)
    from mmengine.config import Config
    from mmengine.hooks import Hook
    cfg = Config.fromfile(osp.join(ROOT, run_zoo.TEACHER_CFG))
    cfg = Config(run_zoo.retarget(cfg.to_dict(), args.data),
                 filename=cfg.filename)
    cfg.work_dir = out_dir
    if args.teacher_epochs:
        cfg.train_cfg.max_epochs = args.teacher_epochs
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

    runner = run_zoo.build_runner(cfg)
    runner.register_hook(ExportEachEpoch(), priority='LOWEST')
    runner.train()
    with open(index, 'w') as f:
        json.dump(points, f, indent=1)
    return points


def teacher_for(point: str, points: Dict[str, dict]) -> Optional[dict]:
    """The record (``path``, ``top1``) of a teacher point (None: random weights)."""
    if point == 'random':
        return None
    key = str(max(int(e) for e in points)) if point == 'final' else point
    if key not in points:
        raise KeyError(f'--points {point}: the teacher has epochs {sorted(points, key=int)}')
    return points[key]


def run_point(args, task: str, method: str, point: str, seed: int, points) -> dict:
    """Train and test one run; ProC-KD runs also get their part alignment on val."""
    work_dir = osp.join(args.work_dir, task, method, point, f'seed{seed}')
    done = osp.join(work_dir, 'result.json')
    if osp.exists(done):
        with open(done) as f:
            return json.load(f)
    teacher = teacher_for(point, points)
    ckpt = teacher['path'] if teacher else None
    cfg = run_zoo.prepare_config(run_zoo.config_path(task, method), args.data, work_dir, seed,
                                 ckpt, False, args.iters)
    cfg.model.teacher_ckpt = ckpt
    cfg.experiment_name = cfg.visualizer.name = f'{task}_{method}_{point}_seed{seed}'
    t0 = time.time()
    runner = run_zoo.build_runner(cfg)
    runner.train()
    train_s = time.time() - t0
    metrics = runner.test()
    metric = float(metrics.get(run_zoo.TASKS[task]['metric'], 0.0))
    metric *= 100 if task == 'det' else 1
    result = dict(task=task, method=method, point=point, seed=seed, metric=round(metric, 3),
                  teacher_ckpt=ckpt, train_s=round(train_s, 1), code=run_zoo.code_version())
    if teacher:
        result['teacher_top1'] = teacher['top1']
        if teacher.get('sha256'):
            result['teacher_sha256'] = teacher['sha256']
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    if hasattr(model, 'proto_head'):
        from procd_mm.analysis import evaluate_part_alignment
        align = evaluate_part_alignment(model.eval(), osp.join(args.data, 'scenes'), 'val')
        result['part_alignment'] = {
            row: {k: v for k, v in vals.items() if isinstance(v, (int, float))}
            for row, vals in align['rows'].items()}
    os.makedirs(work_dir, exist_ok=True)
    with open(done, 'w') as f:
        json.dump(result, f, indent=1)
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'a') as f:
        f.write(json.dumps(result) + '\n')
    return result


def table(results: List[dict], points: List[str]) -> str:
    """Markdown: per (task, method) and point, the metric, the paired gain over the random
    teacher (mean ± standard error) and, for ProC-KD, the part NMI against its chance row."""
    lines = ['| task | method | teacher point | teacher top-1 | metric | gain over random '
             '(paired, ± s.e.) | part NMI (chance) |', '| --- | --- | --- | --- | --- | --- | --- |']
    by = {}
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
            nmi_s = f'{sum(nmi) / len(nmi):.3f} ({sum(chance) / len(chance):.3f})' if nmi else '–'
            lines.append(f'| {task} | {method} | {point} | '
                         f'{"–" if top1 is None else f"{top1:.1f}%"} | {mean_std(vals)} | '
                         f'{gain} | {nmi_s} |')
    return '\n'.join(lines)


def main(argv=None) -> str:
    args = parse_args(argv)
    os.chdir(ROOT)
    ensure_data(args.data)
    points = pretrain_teacher(args)
    run_zoo.log('teacher points: ' + ', '.join(
        f'epoch {e}: {p["top1"]:.1f}%' for e, p in sorted(points.items(), key=lambda x: int(x[0]))))
    if args.pretrain_only:
        return ''
    results = []
    for task in args.tasks:
        for seed in args.seeds:
            for method in args.methods:
                for point in args.points:
                    run_zoo.log(f'{task}/{method}/{point}/seed{seed}: running')
                    res = run_point(args, task, method, point, seed, points)
                    run_zoo.log(f'{task}/{method}/{point}/seed{seed}: {res["metric"]:.2f}')
                    results.append(res)
    out = table(results, args.points)
    print(out)
    return out


if __name__ == '__main__':
    main()
