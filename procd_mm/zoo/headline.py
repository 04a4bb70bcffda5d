# Copyright (c) procd_mm authors. All rights reserved.
"""The headline table of ``docs/plans/headline.md``: the realistic regime, ten paired seeds.

Reads the test-split runs of the ``pt-*`` rows on every benchmark and task (their work dirs,
or the records published next to each benchmark's table), picks each cell's strongest peer
by the plan's rule, and gives one table: mean ± std of the headline rows, the paired
differences of ProC-KD against the plain student, the strongest peer and the random-teacher
control, and whether the plan's target is met (``tools/model_zoo/headline.py`` writes it).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from .benchmarks import BENCHMARKS
from .catalogue import ROOT, TASKS, config_path
from .configs import schedule_iters
from .options import ZooOptions
from .records import records_by_seed
from .stats import format_paired, mean_std, paired_stats

PLAIN, PROCD, RANDOM = 'pt-plain', 'pt-procd', 'pt-procd-randteacher'
# The peers a cell's strongest peer is chosen from, by their test mean over PEER_SEEDS.
PEERS = ('pt-pkd-bb', 'pt-dft')
PEER_SEEDS = (0, 1, 2)
SEEDS = tuple(range(10))
BENCHMARK_KEYS = ('procd-parts', 'procd-shapes')
# The plan's target: ProC-KD at least this far above the plain student (mean paired
# difference) and this many standard errors ahead of the random teacher and the peer.
TARGET_GAIN = 2.0
TARGET_SE = 2.0


def schedule(opts: ZooOptions, task: str) -> int:
    """The training iterations of the benchmark's runs of ``task``.

    Args:
        opts (ZooOptions): The benchmark's test-split options.
        task (str): The task.

    Returns:
        int: The benchmark's own schedule, else the zoo config's.
    """
    from mmengine.config import Config
    iters = schedule_iters(opts, task)
    if iters is None:
        cfg = Config.fromfile(osp.join(ROOT, config_path(task, PLAIN)))
        iters = cfg.train_cfg.max_iters
    return int(iters)


def usable(record: dict, iters: int) -> bool:
    """Whether a record counts: a full run of the schedule at a committed checkout.

    Args:
        record (dict): A run's ``result.json``.
        iters (int): The schedule's iterations.

    Returns:
        bool: False for a pipeline check, ``--iters`` of another length or ``-dirty`` code.
    """
    return (not record.get('quick') and record.get('iters') == iters
            and not str(record.get('code', '')).endswith('-dirty'))


def strongest_peer(runs: Dict[str, Dict[int, float]]) -> Optional[str]:
    """The peer with the highest mean over :data:`PEER_SEEDS`.

    Args:
        runs (dict): Metric by seed, by row.

    Returns:
        str, optional: The peer (a tie goes to the one listed first in :data:`PEERS`); None
        until every peer has those seeds (the plan fixes the peer before its seeds 3-9 run).
    """
    means = {}
    for peer in PEERS:
        values = [runs.get(peer, {}).get(s) for s in PEER_SEEDS]
        if any(v is None for v in values):
            return None
        means[peer] = sum(values) / len(values)
    return max(PEERS, key=lambda p: means[p])


def verdict(vs_plain: tuple, vs_random: tuple, vs_peer: Optional[tuple]) -> str:
    """The plan's target in words.

    Args:
        vs_plain (tuple): ProC-KD's paired ``(mean, se, n)`` difference from plain.
        vs_random (tuple): The same against the random teacher.
        vs_peer (tuple, optional): The same against the strongest peer (None: not fixed).

    Returns:
        str: ``met``, ``not met: <what is missed>`` or ``incomplete: <paired seeds>``.
    """
    counts = dict(plain=vs_plain[2], random=vs_random[2], peer=vs_peer[2] if vs_peer else 0)
    if min(counts.values()) < len(SEEDS):
        return (f'incomplete: paired seeds with plain {counts["plain"]}, random teacher '
                f'{counts["random"]}, strongest peer {counts["peer"]} ({len(SEEDS)} needed)')
    missed = []
    if not vs_plain[0] >= TARGET_GAIN:
        missed.append(f'gain over plain {vs_plain[0]:+.2f} < +{TARGET_GAIN:.1f}')
    for name, (m, se, _) in (('random teacher', vs_random), ('strongest peer', vs_peer)):
        if not m >= TARGET_SE * se or m <= 0:
            missed.append(f'not {TARGET_SE:.0f} s.e. ahead of the {name}')
    return 'met' if not missed else 'not met: ' + '; '.join(missed)


def same_pretrainings(a: dict, b: dict) -> bool:
    """Whether two records loaded the same checkpoint file wherever both name a path.

    Args:
        a (dict): A run's record.
        b (dict): Another run's record.

    Returns:
        bool: True also when either names none.
    """
    ca, cb = a.get('checkpoints', {}), b.get('checkpoints', {})
    return all(ca[path] == cb[path] for path in ca.keys() & cb.keys())


def paired(records: Dict[str, Dict[int, dict]], row: str, ref: str) -> tuple:
    """:func:`paired_stats` of ``row`` against ``ref`` over the seeds whose two records
    loaded the same pretrainings: a pair over two teachers is not a paired comparison.

    Args:
        records (dict): Record by seed, by row.
        row (str): The row.
        ref (str): The reference row.

    Returns:
        tuple: ``(mean, se, n)``.
    """
    a, b = records[row], records[ref]
    seeds = [s for s in a if s in b and same_pretrainings(a[s], b[s])]
    return paired_stats({s: float(a[s]['metric']) for s in seeds},
                        {s: float(b[s]['metric']) for s in seeds})


def _seed_list(seeds) -> str:
    seeds = sorted(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f'{seeds[0]}–{seeds[-1]}'
    return ', '.join(map(str, seeds))


def checkpoints_note(by_seed: Dict[int, List[dict]]) -> str:
    """Which pretrainings the runs loaded, from each record's ``checkpoints`` (the digest of
    every checkpoint its model loaded, by path). The seeds of a cell may come from different
    pretrainings (another machine pretrains anew, not bit for bit the same); the runs of
    one seed must share theirs to be paired (:func:`paired`). Records without
    ``checkpoints`` are counted apart.

    Args:
        by_seed (dict): The counted records of each seed, all rows together.

    Returns:
        str: The cell's text.
    """
    records = [r for rs in by_seed.values() for r in rs]
    if not records:
        return '–'
    versions: Dict[str, Dict[str, set]] = {}
    for seed, rs in by_seed.items():
        for record in rs:
            for path, digest in record.get('checkpoints', {}).items():
                versions.setdefault(path, {}).setdefault(digest, set()).add(seed)
    unrecorded = sum('checkpoints' not in r for r in records)
    recorded = len(records) - unrecorded
    differ = sorted(p for p, d in versions.items() if len(d) > 1)
    mixed = sorted(s for s, rs in by_seed.items()
                   if any(not same_pretrainings(a, b) for a in rs for b in rs))
    if not recorded:
        text = f'not recorded ({len(records)} runs)'
    elif differ:
        text = 'differ between seeds: ' + '; '.join(
            f'{p} (' + ', '.join(f'{d} seeds {_seed_list(s)}'
                                 for d, s in sorted(versions[p].items())) + ')'
            for p in differ)
        text += (f'; the rows of seed {_seed_list(mixed)} differ, those pairs are left out'
                 if mixed else "; each seed's rows share theirs")
    else:
        text = f'the same in all {recorded} runs that record them'
    return text + (f'; {unrecorded} of {len(records)} runs do not record them'
                   if unrecorded and recorded else '')


def cell(opts: ZooOptions, task: str) -> dict:
    """One benchmark × task.

    Args:
        opts (ZooOptions): The benchmark's test-split options.
        task (str): The task.

    Returns:
        dict: ``runs`` (metric by seed, by row), ``peer``, the paired ``(mean, se, n)``
        differences ``vs_plain``, ``vs_random`` and ``vs_peer``, the ``verdict`` and the
        ``checkpoints`` note (whether the runs share their pretrainings).
    """
    iters = schedule(opts, task)
    records = {m: records_by_seed(opts, task, m, SEEDS, lambda r: usable(r, iters))
               for m in (PLAIN, PROCD, RANDOM, *PEERS)}
    runs = {m: {seed: float(r['metric']) for seed, r in by_seed.items()}
            for m, by_seed in records.items()}
    peer = strongest_peer(runs)
    vs_plain = paired(records, PROCD, PLAIN)
    vs_random = paired(records, PROCD, RANDOM)
    vs_peer = paired(records, PROCD, peer) if peer else None
    counted: Dict[int, List[dict]] = {}
    for by_seed in records.values():
        for seed, record in by_seed.items():
            counted.setdefault(seed, []).append(record)
    return dict(runs=runs, peer=peer, vs_plain=vs_plain, vs_random=vs_random,
                vs_peer=vs_peer, verdict=verdict(vs_plain, vs_random, vs_peer),
                checkpoints=checkpoints_note(counted))


def _mean(values: Dict[int, float]) -> str:
    return f'{mean_std(list(values.values()))} (n={len(values)})' if values else '–'


def report(benchmarks: Sequence[str] = BENCHMARK_KEYS) -> List[str]:
    """The markdown table, one line per benchmark × task.

    Args:
        benchmarks (Sequence[str]): Keys of ``BENCHMARKS``.

    Returns:
        list[str]: The table's lines.
    """
    lines = ['| benchmark, task | plain | ProC-KD | random teacher | strongest peer | '
             'ProC-KD − plain | − random teacher | − strongest peer | target | '
             'pretrainings |',
             '| --- |' + ' --- |' * 9]
    for bench in benchmarks:
        opts = ZooOptions.create(benchmark=bench)
        for task in TASKS:
            c = cell(opts, task)
            r = c['runs']
            others = ', '.join(f'{p} {_mean(r[p])}' for p in PEERS if p != c['peer'])
            peer = f'{c["peer"]}: {_mean(r[c["peer"]])} [{others}]' if c['peer'] else \
                f'not fixed ({others})'
            lines.append(
                f'| {BENCHMARKS[bench]["name"]}, {task} '
                f'({TASKS[task]["metric_name"]}) | {_mean(r[PLAIN])} | '
                f'{_mean(r[PROCD])} | {_mean(r[RANDOM])} | {peer} | '
                f'{format_paired(*c["vs_plain"])} | {format_paired(*c["vs_random"])} | '
                f'{format_paired(*c["vs_peer"]) if c["vs_peer"] else "–"} | {c["verdict"]} | '
                f'{c["checkpoints"]} |')
    return lines


def page(benchmarks: Sequence[str] = BENCHMARK_KEYS) -> List[str]:
    """``docs/model_zoo_headline.md``: the title, how to read the table, and the table.

    Args:
        benchmarks (Sequence[str]): Keys of ``BENCHMARKS``.

    Returns:
        list[str]: The markdown lines.
    """
    return ['# Headline: the realistic regime, ten paired seeds', '',
            'Written by `python tools/model_zoo/headline.py` from the test-split runs of the '
            "`pt-*` rows, by the plan `docs/plans/headline.md`: the student's backbone "
            'pretrained, a ResNet-50 teacher. Only full runs of the schedule at committed '
            'checkouts count. Cells: mean ± std (n seeds); paired '
            'differences: mean ± standard error over the common seeds. Target: ProC-KD '
            f'at least +{TARGET_GAIN:.1f} over plain and {TARGET_SE:.0f} standard errors '
            'ahead of the random teacher and of the strongest peer (the peer with the '
            f'higher mean over seeds {", ".join(map(str, PEER_SEEDS))}). Pretrainings: '
            'which teacher and backbone checkpoints the counted runs loaded (sha256 of '
            'each file, recorded by `run_zoo.py`). Seeds may come from different '
            'pretrainings (each machine pretrains anew); a pair counts only when its two '
            'runs loaded the same ones.', '',
            *report(benchmarks), '']
