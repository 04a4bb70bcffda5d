# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.zoo.recipe: the val-split rule of docs/plans/one_recipe.md."""
import json
import math

from procd_mm.zoo import recipe as sel
ORDER = ['procd-aug', 'procd']


def _gains(**cells):
    """candidate -> benchmark -> (mean, se, n) from candidate=[gain per benchmark]."""
    return {c: {b: (g, 0.5, 3) for b, g in zip(('parts', 'shapes'), gs)}
            for c, gs in cells.items()}


def test_the_best_worst_benchmark_wins():
    # procd is far ahead on one benchmark but behind on the other: the smallest gain counts
    res = sel.choose(_gains(**{'procd-aug': [1.5, 2.0], 'procd': [8.0, -1.0]}), ORDER, 3)
    assert res['scores'] == {'procd-aug': 1.5, 'procd': -1.0}
    assert res['choice'] == 'procd-aug' and 'highest score +1.5' in res['reason']


def test_a_tie_goes_to_the_earlier_candidate():
    res = sel.choose(_gains(**{'procd-aug': [2.0, 2.5], 'procd': [2.9, 3.0]}), ORDER, 3)
    assert res['choice'] == 'procd-aug' and 'preferred by order' in res['reason']
    res = sel.choose(_gains(**{'procd-aug': [1.0, 2.5], 'procd': [2.9, 3.0]}), ORDER, 3)
    assert res['choice'] == 'procd'


def test_no_choice_until_every_cell_has_every_seed():
    gains = _gains(**{'procd-aug': [1.0, 2.0], 'procd': [3.0, 3.0]})
    gains['procd']['shapes'] = (3.0, 0.5, 2)
    res = sel.choose(gains, ORDER, 3)
    assert res['choice'] is None and 'procd' in res['reason']
    assert math.isnan(res['scores']['procd']) and res['scores']['procd-aug'] == 1.0


def test_a_choice_that_loses_to_plain_says_so():
    res = sel.choose(_gains(**{'procd-aug': [-0.5, 2.0], 'procd': [-3.0, 1.0]}), ORDER, 3)
    assert res['choice'] == 'procd-aug' and 'does not beat the plain student' in res['reason']


def test_report_reads_work_dirs_and_published_val_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    val = {'plain': [30.0, 31.0, 29.0], 'procd': [33.0, 35.0, 31.0],
           'procd-aug': [31.0, 32.0, 30.0]}
    for method, values in val.items():
        for seed, v in enumerate(values):
            # ProC-Parts from its work dir, ProC-Shapes from the records published by its table
            for folder in (f'work_dirs/zoo/val/det/{method}/seed{seed}',
                           f'docs/zoo_shapes_val_runs/det/{method}/seed{seed}'):
                (tmp_path / folder).mkdir(parents=True)
                (tmp_path / folder / 'result.json').write_text(json.dumps(dict(metric=v)))
    # a test-split run must not be read as a val run
    (tmp_path / 'work_dirs/zoo/det/procd-aug/seed0').mkdir(parents=True)
    (tmp_path / 'work_dirs/zoo/det/procd-aug/seed0/result.json').write_text('{"metric": 99}')
    text = '\n'.join(sel.report(['procd-parts', 'procd-shapes'], [0, 1, 2]))
    assert '| procd | +3.0 ± 0.6 (n=3) | +3.0 ± 0.6 (n=3) | +3.0 |' in text
    assert '| procd-aug | +1.0 ± 0.0 (n=3) | +1.0 ± 0.0 (n=3) | +1.0 |' in text
    assert 'Choice: **procd** (highest score +3.0)' in text
    # segmentation has no val runs here
    assert 'Choice: **none** (incomplete' in text
