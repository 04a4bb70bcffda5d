# Copyright (c) procd_mm authors. All rights reserved.
"""Summary statistics of the zoo's tables: mean ± sample std, and paired differences."""
import math
from typing import Dict, List, Tuple


def mean_std(values: List[float], digits: int = 1) -> str:
    """``mean ± sample std`` as text.

    Args:
        values (list[float]): The values.
        digits (int): Decimals. Defaults to 1.

    Returns:
        str: e.g. ``2.0 ± 1.0``; the mean alone for one value, '–' for none.
    """
    if not values:
        return '–'
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f'{mean:.{digits}f}'
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return f'{mean:.{digits}f} ± {std:.{digits}f}'


def paired_stats(runs: Dict[int, float], ref: Dict[int, float]) -> Tuple[float, float, int]:
    """Mean over the seeds both have of ``runs[s] - ref[s]``, its standard error and n.

    Args:
        runs (dict): Metric per seed of the row.
        ref (dict): Metric per seed of the reference row.

    Returns:
        tuple: ``(mean, se, n)``; ``se`` is nan for one common seed, ``mean`` too for none.
    """
    diffs = [runs[s] - ref[s] for s in sorted(runs) if s in ref]
    if not diffs:
        return math.nan, math.nan, 0
    m = sum(diffs) / len(diffs)
    if len(diffs) == 1:
        return m, math.nan, 1
    se = math.sqrt(sum((d - m) ** 2 for d in diffs) / (len(diffs) - 1) / len(diffs))
    return m, se, len(diffs)


def paired_diff(runs: Dict[int, float], ref: Dict[int, float]) -> str:
    """:func:`paired_stats` as text.

    Args:
        runs (dict): Metric per seed of the row.
        ref (dict): Metric per seed of the reference row.

    Returns:
        str: e.g. ``+2.1 ± 0.8 (n=3)``; ``+2.1 (n=1)`` for one common seed (no standard
        error); '–' without one.
    """
    return format_paired(*paired_stats(runs, ref))


def format_paired(m: float, se: float, n: int) -> str:
    """:func:`paired_stats`' ``(mean, se, n)`` as text.

    Args:
        m (float): Mean paired difference.
        se (float): Its standard error.
        n (int): Number of common seeds.

    Returns:
        str: See :func:`paired_diff`.
    """
    if n == 0:
        return '–'
    if n == 1:
        return f'{m:+.1f} (n=1)'
    return f'{m:+.1f} ± {se:.1f} (n={n})'
