# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.zoo.stats: the table's mean ± std and paired differences."""
import math

from procd_mm.zoo import stats


def test_mean_std():
    assert stats.mean_std([]) == '–'
    assert stats.mean_std([2.0]) == '2.0'
    assert stats.mean_std([1.0, 2.0, 3.0]) == '2.0 ± 1.0'
    assert stats.mean_std([0.05, 0.07], digits=3) == '0.060 ± 0.014'


def test_paired_diff_uses_common_seeds_only():
    row = {0: 30.0, 1: 32.0, 2: 31.0, 5: 99.0}
    ref = {0: 28.0, 1: 29.0, 2: 30.0, 3: 0.0}
    diffs = [2.0, 3.0, 1.0]
    se = math.sqrt(sum((d - 2.0) ** 2 for d in diffs) / 2 / 3)
    assert stats.paired_diff(row, ref) == f'+2.0 ± {se:.1f} (n=3)'
    assert stats.paired_diff({0: 1.0}, {0: 2.5}) == '-1.5 (n=1)'
    assert stats.paired_diff({0: 1.0}, {1: 2.0}) == '–'
