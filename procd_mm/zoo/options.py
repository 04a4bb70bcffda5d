# Copyright (c) procd_mm authors. All rights reserved.
"""What one zoo invocation runs and where it writes: :class:`ZooOptions`."""
import os.path as osp
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from .benchmarks import BENCHMARKS
from .catalogue import METHODS, TASKS


@dataclass(frozen=True)
class ZooOptions:
    """One zoo table's runs and files (``tools/model_zoo/run_zoo.py``'s options).

    Build it with :meth:`create`, which fills the benchmark's defaults
    (``dataclasses.replace`` changes one field of the result).

    Args:
        benchmark (str): A key of :data:`~procd_mm.zoo.benchmarks.BENCHMARKS`.
        tasks (tuple[str]): Keys of :data:`~procd_mm.zoo.catalogue.TASKS`.
        methods (tuple[str]): Keys of :data:`~procd_mm.zoo.catalogue.METHODS`.
        seeds (tuple[int]): The seeds.
        split (str): The split scored: ``'test'`` (the tables) or ``'val'`` (choosing
            defaults; its own table, runs and metafiles).
        quick (bool): Pipeline check: a few iterations on reduced data.
        iters (int, optional): Training iterations of every run (overrides the schedule).
        data (str): The benchmark's folder.
        work_dir (str): Where runs and pretrainings are kept.
        doc (str): The markdown table to write.
        metafile (str): The OpenMMLab metafile to write.
        model_index (str): The model index to write.
        runs_subdir (str): Folder next to ``doc`` receiving each run's log and config.
        notes (str, optional): A markdown file appended to the table.
        max_minutes (float, optional): Start no new run after this many minutes.
        pretrain_only (bool): Run (or check) the needed pretrainings and stop.
        subprocess (bool): Run each training in its own process (always without ``quick``).
        allow_dirty (bool): Run although ``procd_mm/``, ``configs/`` or ``tools/`` differ
            from the checkout's commit (the records then name ``<commit>-dirty``). Refused
            otherwise, except for pipeline checks (``quick``).
        argv (tuple[str]): The command line the table names as the one that wrote it.
    """
    benchmark: str = 'procd-parts'
    tasks: Tuple[str, ...] = tuple(TASKS)
    methods: Tuple[str, ...] = tuple(METHODS)
    seeds: Tuple[int, ...] = (0, 1, 2)
    split: str = 'test'
    quick: bool = False
    iters: Optional[int] = None
    data: str = BENCHMARKS['procd-parts']['data']
    work_dir: str = BENCHMARKS['procd-parts']['work_dir']
    doc: str = BENCHMARKS['procd-parts']['doc']
    metafile: str = BENCHMARKS['procd-parts']['metafile']
    model_index: str = BENCHMARKS['procd-parts']['model_index']
    runs_subdir: str = BENCHMARKS['procd-parts']['runs_subdir']
    notes: Optional[str] = None
    max_minutes: Optional[float] = None
    pretrain_only: bool = False
    subprocess: bool = False
    allow_dirty: bool = False
    argv: Tuple[str, ...] = ()

    @classmethod
    def create(cls, benchmark: str = 'procd-parts', quick: bool = False,
               split: str = 'test', tasks: Optional[Sequence[str]] = None,
               methods: Optional[Sequence[str]] = None,
               seeds: Optional[Sequence[int]] = None, data: Optional[str] = None,
               work_dir: Optional[str] = None, doc: Optional[str] = None,
               metafile: Optional[str] = None, model_index: Optional[str] = None,
               runs_subdir: Optional[str] = None, **rest) -> 'ZooOptions':
        """The options with every unset path and list taken from the benchmark.

        Pipeline checks (``quick``) run seed 0 into ``<work dir>_quick`` on
        ``<data>_quick``; they and val-split runs write their own table
        (``*_quick.md``, ``*_val.md``), runs folder and metafiles (beside their runs, not
        the zoo's). ``procd-strip`` brings its ``procd`` run into the plan.

        Args:
            benchmark (str): A key of :data:`~procd_mm.zoo.benchmarks.BENCHMARKS`.
            quick (bool): Pipeline check.
            split (str): ``'test'`` or ``'val'``.
            tasks (Sequence[str], optional): Defaults to every task.
            methods (Sequence[str], optional): Defaults to every method.
            seeds (Sequence[int], optional): Defaults to 0, 1, 2 (0 with ``quick``).
            data (str, optional): The benchmark's folder.
            work_dir (str, optional): Where runs are kept.
            doc (str, optional): The table.
            metafile (str, optional): The metafile.
            model_index (str, optional): The model index.
            runs_subdir (str, optional): The published runs' folder next to ``doc``.
            **rest: The other fields of :class:`ZooOptions`.

        Returns:
            ZooOptions: The options.
        """
        if benchmark not in BENCHMARKS:
            raise KeyError(f'benchmark {benchmark!r} is not one of {sorted(BENCHMARKS)}')
        if split not in ('test', 'val'):
            raise ValueError(f"split must be 'test' or 'val', got {split!r}")
        bench = BENCHMARKS[benchmark]
        q = '_quick' if quick else ''
        suffix = q + ('_val' if split == 'val' else '')
        work_dir = work_dir or bench['work_dir'] + q
        runs_root = osp.join(work_dir, 'val') if split == 'val' else work_dir
        own_metafiles = quick or split == 'val'
        methods = tuple(methods or METHODS)
        if 'procd-strip' in methods and 'procd' not in methods:
            methods = (*methods, 'procd')
        return cls(
            benchmark=benchmark, quick=quick, split=split, tasks=tuple(tasks or TASKS),
            methods=methods,
            seeds=tuple(seeds if seeds is not None else ([0] if quick else [0, 1, 2])),
            data=data or bench['data'] + q, work_dir=work_dir,
            doc=doc or bench['doc'][:-3] + suffix + '.md',
            metafile=metafile or (osp.join(runs_root, 'metafile.yml') if own_metafiles
                                  else bench['metafile']),
            model_index=model_index or (osp.join(runs_root, 'model-index.yml')
                                        if own_metafiles else bench['model_index']),
            runs_subdir=runs_subdir or bench['runs_subdir'].replace('_runs',
                                                                    suffix + '_runs'),
            **rest)
