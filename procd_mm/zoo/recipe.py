# Copyright (c) procd_mm authors. All rights reserved.
"""Choosing ProC-KD's zoo defaults on the val splits of every benchmark together, by the
rule that ``docs/plans/one_recipe.md`` fixed before its runs.

Reads the val-split runs of ``run_zoo.py --split val`` (their work dirs, or the records
published next to each benchmark's val table) and gives one table per task: each
candidate's paired val gain over the plain student on each benchmark (mean ± standard
error over the seeds both have), its score (the smallest of those gains: the benchmark where
it helps least) and the choice (``tools/model_zoo/select_recipe.py`` writes it).
"""
import math
from typing import Dict, List, Sequence

from .benchmarks import BENCHMARKS
from .catalogue import TASKS
from .options import ZooOptions
from .records import metrics_by_seed
from .stats import format_paired, paired_stats

# Each task's candidates, in the order of preference a tie is broken by: the authors'
# teacher branch and fewer loss terms first, the zoo's ``procd`` config last.
CANDIDATES = {'det': ['procd-aug', 'procd'], 'seg': ['procd-nokl', 'procd-k32', 'procd']}
BENCHMARK_KEYS = ('procd-parts', 'procd-shapes')
SEEDS = (0, 1, 2)
# A candidate whose score is within this many points (mAP / mIoU) of the best is a tie.
TIE_MARGIN = 1.0


def choose(gains: Dict[str, Dict[str, tuple]], order: List[str], n_seeds: int) -> dict:
    """Apply the plan's rule to one task.

    Args:
        gains (dict): ``gains[candidate][benchmark] = (mean, se, n)`` paired val gains over
            the plain student.
        order (list[str]): The candidates in the order of preference for a tie.
        n_seeds (int): Seeds every cell needs before a choice is made.

    Returns:
        dict: ``scores`` (candidate -> smallest mean gain, nan where a cell is incomplete),
        ``choice`` (None while incomplete) and ``reason``.
    """
    scores = {}
    for cand in order:
        cells = gains.get(cand, {})
        complete = cells and all(n >= n_seeds for _, _, n in cells.values())
        scores[cand] = min(m for m, _, _ in cells.values()) if complete else math.nan
    missing = [c for c, s in scores.items() if math.isnan(s)]
    if missing:
        return dict(scores=scores, choice=None,
                    reason=f'incomplete ({", ".join(missing)}): no choice yet')
    best = max(scores.values())
    choice = next(c for c in order if scores[c] >= best - TIE_MARGIN)
    reason = (f'highest score {best:+.1f}' if scores[choice] == best else
              f'within {TIE_MARGIN} of the highest score ({best:+.1f}), preferred by order')
    if scores[choice] <= 0:
        reason += '; it does not beat the plain student on every benchmark\'s val split'
    return dict(scores=scores, choice=choice, reason=reason)


def report(benchmarks: Sequence[str], seeds: Sequence[int]) -> List[str]:
    """The markdown tables of both tasks, each with its choice.

    Args:
        benchmarks (Sequence[str]): Keys of ``BENCHMARKS``.
        seeds (Sequence[int]): The seeds every cell needs.

    Returns:
        list[str]: The markdown lines.
    """
    names = {b: BENCHMARKS[b]['name'] for b in benchmarks}
    val_opts = {b: ZooOptions.create(benchmark=b, split='val') for b in benchmarks}
    lines = []
    for task, order in CANDIDATES.items():
        gains: Dict[str, Dict[str, tuple]] = {}
        for bench in benchmarks:
            plain = metrics_by_seed(val_opts[bench], task, 'plain', seeds)
            for cand in order:
                gains.setdefault(cand, {})[bench] = paired_stats(
                    metrics_by_seed(val_opts[bench], task, cand, seeds), plain)
        result = choose(gains, order, len(seeds))
        metric = TASKS[task]['metric_name']
        lines += [f'## {TASKS[task]["task_name"]}: val {metric}, candidate − plain', '',
                  '| candidate | ' + ' | '.join(names[b] for b in benchmarks) + ' | score |',
                  '| --- |' + ' --- |' * (len(benchmarks) + 1)]
        for cand in order:
            score = result['scores'][cand]
            cells = ' | '.join(format_paired(*gains[cand][b]) for b in benchmarks)
            lines.append(f'| {cand} | {cells} | {"–" if math.isnan(score) else f"{score:+.1f}"} |')
        lines += ['', f'Choice: **{result["choice"] or "none"}** ({result["reason"]}).', '']
    return lines


def page(benchmarks: Sequence[str] = BENCHMARK_KEYS, seeds: Sequence[int] = SEEDS) -> List[str]:
    """``docs/plans/one_recipe_results.md``: the title, the rule and both tasks' tables.

    Args:
        benchmarks (Sequence[str]): Keys of ``BENCHMARKS``.
        seeds (Sequence[int]): The seeds every cell needs.

    Returns:
        list[str]: The markdown lines.
    """
    return ['# One recipe: the val-split choice', '',
            'Written by `python tools/model_zoo/select_recipe.py` by the rule of '
            '`docs/plans/one_recipe.md`. Score: the smallest of a candidate\'s mean paired '
            'val gains over the benchmarks.', '', *report(benchmarks, seeds)]
