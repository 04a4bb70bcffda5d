# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.zoo.headline: the ten-seed table of docs/plans/headline.md."""
import json
import subprocess
import sys

import pytest

from procd_mm.zoo import headline as hl
from procd_mm.zoo.catalogue import ROOT
from procd_mm.zoo.markdown import write_markdown


def test_the_strongest_peer_is_fixed_on_seeds_0_to_2():
    runs = {'pt-pkd-bb': {0: 30.0, 1: 31.0, 2: 32.0, 3: 50.0},
            'pt-dft': {0: 31.0, 1: 32.0}}
    assert hl.strongest_peer(runs) is None  # pt-dft lacks seed 2
    runs['pt-dft'][2] = 33.0
    assert hl.strongest_peer(runs) == 'pt-dft'  # seed 3 does not count


def test_verdict_says_which_part_of_the_target_is_missed():
    assert hl.verdict((2.5, 0.4, 10), (1.0, 0.4, 10), (0.9, 0.4, 10)) == 'met'
    text = hl.verdict((1.5, 0.4, 10), (0.5, 0.4, 10), (1.0, 0.4, 10))
    assert text.startswith('not met') and 'gain over plain +1.50 < +2.0' in text
    assert 'ahead of the random teacher' in text and 'strongest peer' not in text
    assert hl.verdict((2.5, 0.4, 10), (1.0, 0.4, 10), (-1.0, 0.1, 10)).endswith(
        'not 2 s.e. ahead of the strongest peer')
    assert hl.verdict((2.5, 0.4, 3), (1.0, 0.4, 3), (0.9, 0.4, 3)) == (
        'incomplete: paired seeds with plain 3, random teacher 3, strongest peer 3 '
        '(10 needed)')
    assert 'strongest peer 0' in hl.verdict((2.5, 0.4, 10), (1.0, 0.4, 10), None)


def _record(folder, metric, **extra):
    folder.mkdir(parents=True)
    (folder / 'result.json').write_text(json.dumps(dict(
        dict(metric=metric, iters=300, quick=False, code='abc1234'), **extra)))


def test_report_reads_published_test_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = {'pt-plain': 30.0, 'pt-procd': 33.0, 'pt-procd-randteacher': 31.0,
              'pt-pkd-bb': 31.5, 'pt-dft': 30.5}
    for method, base in values.items():
        seeds = range(10) if method not in ('pt-pkd-bb', 'pt-dft') else range(3)
        for seed in seeds:
            # ProC-KD's lead over plain varies by seed, so its standard error is not zero
            _record(tmp_path / f'docs/zoo_runs/det/{method}/seed{seed}',
                    base + (0.2 * seed if method == 'pt-procd' else 0.0))
    # a val-split run is not a test-split run
    _record(tmp_path / 'work_dirs/zoo/val/det/pt-dft/seed0', 99.0)
    # records that do not count: a pipeline check, another schedule, a modified checkout
    _record(tmp_path / 'work_dirs/zoo/seg/pt-plain/seed0', 99.0, quick=True)
    _record(tmp_path / 'work_dirs/zoo/seg/pt-procd/seed0', 99.0, iters=100)
    _record(tmp_path / 'work_dirs/zoo/seg/pt-procd-randteacher/seed0', 99.0,
            code='abc1234-dirty')
    lines = hl.report(['procd-parts'])
    det = next(line for line in lines if line.startswith('| ProC-Parts, det'))
    assert '| 30.0 ± 0.0 (n=10) | 33.9 ± 0.6 (n=10) | 31.0 ± 0.0 (n=10) |' in det
    assert 'pt-pkd-bb: 31.5 ± 0.0 (n=3) [pt-dft 30.5 ± 0.0 (n=3)]' in det
    assert '| +3.9 ± 0.2 (n=10) | +2.9 ± 0.2 (n=10) | +1.7 ± 0.1 (n=3) |' in det
    # the peer's seeds 3-9 are missing; the records name no checkpoints
    assert det.endswith('strongest peer 3 (10 needed) | not recorded (36 runs) |')
    seg = next(line for line in lines if line.startswith('| ProC-Parts, seg'))
    assert seg.split(' | ')[1:4] == ['–', '–', '–'] and 'not fixed' in seg  # none counts
    assert 'paired seeds with plain 0' in seg


def test_page_writes_the_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no records here: every cell is empty
    out = tmp_path / 'headline.md'
    write_markdown(hl.page(), str(out))
    text = out.read_text()
    assert text.startswith('# Headline') and text.count('\n| ProC-') == 4


def test_seeds_over_different_pretrainings_are_named_and_not_paired_across():
    teacher, backbone = 'work_dirs/zoo/teacher_r50/t.pth', 'work_dirs/zoo/student_r18/s.pth'
    first = {teacher: 'aaa', backbone: 'bbb'}
    same = {0: [dict(checkpoints=first),
                dict(checkpoints={backbone: 'bbb'}),  # plain: the backbone only
                dict(checkpoints={})]}
    assert hl.checkpoints_note(same) == 'the same in all 3 runs that record them'
    assert hl.checkpoints_note({0: same[0] + [dict(metric=1.0)]}) == (
        'the same in all 3 runs that record them; 1 of 4 runs do not record them')
    second = {teacher: 'ccc', backbone: 'ddd'}
    by_seed = {**same, **{s: [dict(checkpoints=second), dict(checkpoints={backbone: 'ddd'})]
                          for s in (1, 2, 3)}}
    assert hl.checkpoints_note(by_seed) == (
        f'differ between seeds: {backbone} (bbb seeds 0, ddd seeds 1–3); '
        f"{teacher} (aaa seeds 0, ccc seeds 1–3); each seed's rows share theirs")
    by_seed[3].append(dict(checkpoints=first))
    assert hl.checkpoints_note(by_seed).endswith(
        'the rows of seed 3 differ, those pairs are left out')
    assert hl.checkpoints_note({}) == '–'
    # only the pairs that share their pretrainings count
    records = {'a': {s: dict(metric=10.0 + s, checkpoints=first if s < 2 else second)
                     for s in range(4)},
               'b': {s: dict(metric=9.0, checkpoints={backbone: 'bbb'}) for s in range(4)}}
    mean, _, n = hl.paired(records, 'a', 'b')
    assert n == 2 and mean == 1.5  # seeds 0 and 1; seeds 2-3 loaded another backbone


@pytest.mark.slow
def test_command_line_writes_the_table_from_the_checkouts_records(tmp_path):
    """``headline.py`` in its own process reads the records committed next to the tables."""
    out = tmp_path / 'headline.md'
    subprocess.run([sys.executable, 'tools/model_zoo/headline.py', '--out', str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    text = out.read_text()
    assert text.startswith('# Headline') and text.count('\n| ProC-') == 4
    assert '(n=10)' in text  # the published ten-seed records are read
