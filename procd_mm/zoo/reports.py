# Copyright (c) procd_mm authors. All rights reserved.
"""The zoo's table (``docs/model_zoo*.md``): pretrainings, one results table and one
paired-differences table per task, the columns' meaning and the notes, from the records."""
import os
import os.path as osp
from typing import Dict, List

from .benchmarks import BENCHMARKS
from .catalogue import METHODS, PRETRAIN, QUICK_ITERS, ROOT, TASKS, method_label
from .layout import plan
from .markdown import fmt_params
from .options import ZooOptions
from .records import pretrain_records, publish_run, runs_by_method
from .stats import mean_std, paired_diff

# The rows every other row is compared with, seed by seed, within its regime (the
# realistic regime's methods start with 'pt-').
PAIRED_REFS = ('plain', 'procd-randteacher', 'pkd-bb')
COLUMNS = (
    'Columns: *student params* counts the deployed student (with the augmentation neck for '
    'ProC-KD); *teacher params* the frozen teacher, used only while training; *train time* '
    'is the wall time of training on 2 CPU cores (testing excluded); *part NMI* is the NMI '
    'of the teacher\'s prototype assignment against the object parts on the val scenes '
    '(`tools/analysis/part_alignment.py`; in brackets with the assignments shuffled; '
    'benchmarks with part maps, runs that recorded it); *proto usage entropy* '
    'is the last logged `proto.usage_entropy` (1 = all prototypes used evenly, 0 = '
    'collapse). *aug. neck stripped* re-tests the ProC-KD checkpoint with the neck gates '
    'zeroed (no retraining).')


def _regime(method: str) -> str:
    return 'pt-' if method.startswith('pt-') else ''


def paired_table(rows: List[dict], task: str) -> List[str]:
    """Each method's paired difference (mean over common seeds ± s.e.) against the plain
    student, the random-teacher control and PKD on the backbone stages of its own regime.

    Args:
        rows (list[dict]): One task's records.
        task (str): The task.

    Returns:
        list[str]: Markdown lines; none when no reference row has runs.
    """
    by: Dict[str, Dict[int, float]] = {}
    for r in rows:
        by.setdefault(r['method'], {})[r['seed']] = r['metric']
    if not any(_regime(m) + ref in by for m in by for ref in PAIRED_REFS):
        return []
    lines = [f'Paired differences in {TASKS[task]["metric_name"]} (same seeds; mean ± '
             'standard error, n seeds), each row against the reference rows of its own '
             'regime:', '',
             '| method | − no distillation | − random-teacher control | − PKD on the backbone '
             'stages |', '| --- | --- | --- | --- |']
    for method in [m for m in METHODS if m in by]:
        refs = [_regime(method) + ref for ref in PAIRED_REFS]
        cells = ['–' if m == method or m not in by else paired_diff(by[method], by[m])
                 for m in refs]
        lines.append(f'| {method_label(method, task)} | ' + ' | '.join(cells) + ' |')
    return lines


def _split_text(info: dict) -> str:
    split = info.get('split')
    return (f' ({split["cls_train"]} images per class, generator seed {split["seed"]})'
            if split else '')


def _digest_text(info: dict) -> str:
    """The checkpoint digest the runs' records name, where the pretraining recorded it."""
    return f' (checkpoint sha256 {info["sha256"]})' if info.get('sha256') else ''


def pretraining_lines(opts: ZooOptions) -> List[str]:
    """One paragraph per pretraining record (:func:`~procd_mm.zoo.records.pretrain_records`).

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        list[str]: Markdown lines.
    """
    lines = []
    for name, (first, *again) in pretrain_records(opts).items():
        arch = first.get('arch', f'ResNet-{first.get("depth", 18)}')
        lines += [f'{PRETRAIN[name]["role"]}: {arch}, '
                  f'{fmt_params(first.get("backbone_params", 0))} backbone parameters, val '
                  f'top-1 {first.get("accuracy", float("nan")):.1f}% on its own classification '
                  f'split{_split_text(first)}, pretrained in '
                  f'{first.get("train_time_s", 0) / 60:.1f} min{_digest_text(first)}.', '']
        for info in again:
            same = info.get('split') in (None, first.get('split'))
            how = ('again with the same recipe and data (not bit-reproducible across machines)'
                   if same else f'with the same recipe on another split{_split_text(info)}')
            lines += [f'{PRETRAIN[name]["role"]}, pretrained {how}, used by the runs made '
                      f'with it: val top-1 {info.get("accuracy", float("nan")):.1f}%, '
                      f'{info.get("train_time_s", 0) / 60:.1f} min{_digest_text(info)}.', '']
    return lines


def header_lines(opts: ZooOptions, results: List[dict], wall_s: float) -> List[str]:
    """The title, the labels of a pipeline check, a val split and a partial table, the
    command that wrote it and the data.

    Args:
        opts (ZooOptions): The table's options.
        results (list[dict]): The finished runs' records.
        wall_s (float): Wall time of this invocation.

    Returns:
        list[str]: Markdown lines.
    """
    bench = BENCHMARKS[opts.benchmark]
    lines = [f'# Model zoo: {bench["name"]}, a cross-task benchmark that runs on 2 CPU cores',
             '']
    if opts.quick:
        lines += [
            '> **PIPELINE CHECK ONLY (`--quick`)**: each student trained for '
            f'{results[0]["iters"] if results else QUICK_ITERS} iterations on a reduced data set, '
            'one seed. These numbers check that every step runs; they are **not results**.', '']
    if opts.split == 'val':
        lines += [
            '> **VAL SPLIT**: these runs choose the defaults (`docs/plans/one_recipe.md`, '
            '`tools/model_zoo/select_recipe.py`); the results are the test-split tables.', '']
    planned = plan(opts)
    if len(results) < len(planned):
        have = {(r['task'], r['method'], r['seed']) for r in results}
        by_run: Dict[str, List[str]] = {}
        for t, m, s in planned:
            if (t, m, s) not in have:
                by_run.setdefault(f'{t}/{m}', []).append(str(s))
        missing = [f'{k} (seeds {",".join(v)})' for k, v in by_run.items()]
        lines += [f'> **Partial table**: {len(results)} of the {len(planned)} planned runs '
                  f'finished; not run: {", ".join(missing)}. Rerun the command below to '
                  'complete it (finished runs are skipped).', '']
    return lines + [
        'Generated by `python tools/model_zoo/run_zoo.py ' + ' '.join(opts.argv) + '` '
        f'(wall time of this invocation {wall_s / 60:.1f} min; runs already finished '
        'were skipped and keep their own train time).', '',
        f'Data: {bench["name"]} (`tools/dataset_converters/{bench["generator"]}.py`, seed 0). '
        f'{bench["content"]} Each cell is the mean ± sample std over the seeds listed; metrics '
        f'are on the {opts.split} split.', '']


def results_table(opts: ZooOptions, task: str, rows: List[dict]) -> List[str]:
    """One task's results table, its runs published next to the table as it is written.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        rows (list[dict]): The task's records.

    Returns:
        list[str]: Markdown lines: the section title and the table.
    """
    spec = TASKS[task]
    lines = [f'## {spec["task_name"]}: {spec["student"]} student', '',
             f'| method | {spec["metric_name"]} | seeds | student params | teacher params '
             '| train time / run | proto usage entropy | part NMI (chance) | config | logs |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for method, runs in runs_by_method(opts, rows):
        values = [r['metric'] for r in runs]
        links = [publish_run(opts, r) for r in runs]
        log_links = ', '.join(
            f'[s{r["seed"]}]({lk["run.log"]})' for r, lk in zip(runs, links) if 'run.log' in lk)
        cfg_link = osp.relpath(osp.join(ROOT, runs[0]['config']),
                               osp.dirname(osp.abspath(opts.doc)))
        ent = [r['proto'].get('proto.usage_entropy') for r in runs if r.get('proto')]
        ent = [e for e in ent if e is not None]
        aligned = [r['part_alignment'] for r in runs if r.get('part_alignment')]
        nmi = (f'{mean_std([a["nmi_part"] for a in aligned], 3)} '
               f'({mean_std([a["chance"] for a in aligned], 3)})' if aligned else '–')
        train_min = sum(r['train_time_s'] for r in runs) / len(runs) / 60
        lines.append(
            f'| {method_label(method, task)} | {mean_std(values)} | '
            f'{",".join(str(r["seed"]) for r in runs)} | {fmt_params(runs[0]["student_params"])} | '
            f'{fmt_params(runs[0]["teacher_params"])} | {train_min:.1f} min | '
            f'{mean_std(ent) if ent else "–"} | {nmi} | [config]({cfg_link}) | {log_links} |')
    return lines


def write_table(opts: ZooOptions, results: List[dict], wall_s: float) -> None:
    """Write the table (``opts.doc``) and print its table lines.

    The notes (``opts.notes``) are appended once, after the tables.

    Args:
        opts (ZooOptions): The table's options.
        results (list[dict]): The finished runs' records.
        wall_s (float): Wall time of this invocation.

    Raises:
        ValueError: When the notes are the table itself (they would be appended again on
            every call).
    """
    if opts.notes and osp.abspath(opts.notes) == osp.abspath(opts.doc):
        raise ValueError(f'--notes {opts.notes} is the table --doc writes: give the notes '
                         'their own file')
    publish_first = pretraining_lines(opts)  # publishes this machine's pretraining records
    lines = header_lines(opts, results, wall_s) + publish_first
    for task in opts.tasks:
        rows = [r for r in results if r['task'] == task]
        if rows:
            lines += [*results_table(opts, task, rows), '', *paired_table(rows, task), '']
    lines += [COLUMNS, '']
    if opts.notes and osp.exists(opts.notes):
        with open(opts.notes) as f:
            lines += [f.read().rstrip(), '']
    os.makedirs(osp.dirname(osp.abspath(opts.doc)), exist_ok=True)
    with open(opts.doc, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(line for line in lines if line.startswith(('|', '#', '>'))), flush=True)
