# Copyright (c) procd_mm authors. All rights reserved.
"""The zoo's classification pretrainings (:data:`~procd_mm.zoo.catalogue.PRETRAIN`): their
data splits, which runs need them, and the pretraining itself.

A pretraining ``name`` writes ``<work dir>/<name>/<file>`` (weights only) and its record
``<work dir>/<name>/teacher.json``.
"""
import json
import os.path as osp
import time
from typing import List, Optional

from .benchmarks import BENCHMARKS, generate_benchmark, retarget
from .catalogue import PRETRAIN, QUICK_COUNTS, ROOT, STAGE1, config_path
from .configs import quick_loaders
from .layout import final_checkpoint, plan
from .options import ZooOptions
from .progress import log
from .provenance import file_digest
from .training import count_params, train_timed


def split_spec(opts: ZooOptions, name: str) -> Optional[dict]:
    """The classification split of pretraining ``name`` on this benchmark.

    Args:
        opts (ZooOptions): The table's options.
        name (str): A key of ``PRETRAIN``.

    Returns:
        dict, optional: ``cls_train``, ``cls_val`` (images per class), ``seed`` and
        ``suffix`` of ``PRETRAIN``, with the sizes the benchmark's ``pretrain_splits``
        overrides; None for the benchmark's own split.

    Raises:
        ValueError: When an override names another key than the sizes, or pretrainings
            that share a folder would need it in different sizes.
    """
    split = PRETRAIN[name].get('split')
    if split is None:
        return None
    bench = opts.benchmark
    overrides = BENCHMARKS[bench].get('pretrain_splits', {})
    bad = sorted(set(overrides.get(name, {})) - {'cls_train', 'cls_val'})
    if bad:
        raise ValueError(f"BENCHMARKS[{bench!r}]['pretrain_splits'][{name!r}] may set "
                         f'cls_train and cls_val only, got {bad}')
    sharing = {n: dict(p['split'], **overrides.get(n, {})) for n, p in PRETRAIN.items()
               if (p.get('split') or {}).get('suffix') == split['suffix']}
    if any(v != sharing[name] for v in sharing.values()):
        raise ValueError(f"BENCHMARKS[{bench!r}]['pretrain_splits']: {sorted(sharing)} share "
                         f"the folder <data>{split['suffix']} and need the same sizes")
    spec = dict(sharing[name])
    if opts.quick:
        spec.update(cls_train=QUICK_COUNTS['cls_train'], cls_val=QUICK_COUNTS['cls_val'])
    return spec


def split_record(spec: dict) -> dict:
    """What a pretraining's record keeps of its split: sizes and generator seed.

    Args:
        spec (dict): A :func:`split_spec`.

    Returns:
        dict: ``cls_train``, ``cls_val`` and ``seed``.
    """
    return {k: spec[k] for k in ('cls_train', 'cls_val', 'seed')}


def pretrain_split(opts: ZooOptions, name: str) -> str:
    """The classification data of pretraining ``name``: the benchmark's own, or a separate
    split (:func:`split_spec`) its generator writes once next to it.

    Args:
        opts (ZooOptions): The table's options.
        name (str): A key of ``PRETRAIN``.

    Returns:
        str: The data folder.

    Raises:
        RuntimeError: When the folder exists with another size or generator seed.
    """
    spec = split_spec(opts, name)
    if spec is None:
        return opts.data
    folder = opts.data + spec['suffix']
    want = split_record(spec)
    meta = osp.join(folder, 'meta.json')
    if osp.exists(meta):
        with open(meta) as f:
            written = json.load(f)
        have = dict({k: written['counts'].get(k) for k in ('cls_train', 'cls_val')},
                    seed=written.get('seed'))
        if have != want:
            raise RuntimeError(
                f'{folder} holds {have} (images per class, generator seed), '
                f'{BENCHMARKS[opts.benchmark]["name"]}\'s pretraining {name!r} needs {want}: '
                f'remove the folder (and {opts.work_dir}/{name}, trained on it) to generate '
                'it again')
        return folder
    log(f'data: generating the classification split of {name} in {folder}')
    generate_benchmark(opts.benchmark, folder, seed=spec['seed'],
                       counts=dict(cls_train=spec['cls_train'], cls_val=spec['cls_val'],
                                   det_train=0, det_val=0, det_test=0))
    return folder


def check_pretrained(opts: ZooOptions, name: str) -> None:
    """An existing checkpoint of pretraining ``name`` must come from the split the benchmark
    asks for now (its record's ``split``; records without one are checked by their folder).

    Args:
        opts (ZooOptions): The table's options.
        name (str): A key of ``PRETRAIN``.

    Raises:
        RuntimeError: When it was pretrained on another split.
    """
    spec = split_spec(opts, name)
    if spec is None:
        return
    record = osp.join(opts.work_dir, name, 'teacher.json')
    used = None
    if osp.exists(record):
        with open(record) as f:
            used = json.load(f).get('split')
    if used is None:
        pretrain_split(opts, name)
    elif used != split_record(spec):
        raise RuntimeError(
            f'{opts.work_dir}/{name} was pretrained on {used} (images per class, generator '
            f'seed), {BENCHMARKS[opts.benchmark]["name"]}\'s pretraining {name!r} needs '
            f'{split_record(spec)}: remove {opts.work_dir}/{name} and '
            f'{opts.data}{spec["suffix"]} to pretrain it again')


def pretrained_path(opts: ZooOptions, name: str) -> str:
    """The checkpoint of pretraining ``name``.

    Args:
        opts (ZooOptions): The table's options.
        name (str): A key of ``PRETRAIN``.

    Returns:
        str: ``<work dir>/<name>/<file>``.
    """
    return osp.join(opts.work_dir, name, PRETRAIN[name]['file'])


def pretrain(opts: ZooOptions, name: str = 'teacher') -> str:
    """Run pretraining ``name`` if its checkpoint is missing (resuming an interrupted one).

    Args:
        opts (ZooOptions): The table's options.
        name (str): A key of ``PRETRAIN``. Defaults to ``'teacher'``.

    Returns:
        str: Its :func:`pretrained_path`.
    """
    spec = PRETRAIN[name]
    out_dir = osp.join(opts.work_dir, name)
    dst = pretrained_path(opts, name)
    if osp.exists(dst):
        check_pretrained(opts, name)
        log(f'{name}: {dst} exists, skipped')
        return dst
    data = pretrain_split(opts, name)
    split = split_spec(opts, name)
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, spec['config']))
    cfg = Config(retarget(cfg.to_dict(), opts.data, zoo_dir=opts.work_dir),
                 filename=cfg.filename)
    cfg.work_dir = out_dir
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.visualizer.name = cfg.experiment_name
    if opts.quick:
        cfg.train_cfg.max_epochs = 1
        cfg.train_cfg.val_interval = 1
        cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
        quick_loaders(cfg)
    resumed_from = final_checkpoint(out_dir)
    arch = f'{cfg.model.backbone.type.split(".")[-1]}-{cfg.model.backbone.depth}'
    log(f'{name}: pretraining {arch} on {data}/cls '
        f'({cfg.train_cfg.max_epochs} epochs)')
    runner, train_time_s = train_timed(cfg, out_dir, name)
    metrics = runner.val_loop.run() if runner.val_loop is not None else {}
    import torch
    # weights only: the distillers load the teacher with torch.load(weights_only=True)
    state = {k: v.detach().cpu() for k, v in runner.model.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict(config=spec['config'])), dst)
    # over resumes, as far as an interruption let train_timed write it
    info = dict(train_time_s=round(train_time_s, 1),
                resumed_from=osp.basename(resumed_from) if resumed_from else None,
                params=count_params(runner.model),
                backbone_params=count_params(runner.model.backbone),
                accuracy=float(metrics.get('accuracy/top1', float('nan'))),
                depth=int(cfg.model.backbone.depth), arch=arch, data=data,
                split=split_record(split) if split else None, sha256=file_digest(dst),
                log=runner.logger.handlers[-1].baseFilename
                if hasattr(runner.logger.handlers[-1], 'baseFilename') else None)
    with open(osp.join(out_dir, 'teacher.json'), 'w') as f:
        json.dump(info, f, indent=1)
    log(f'{name}: done in {info["train_time_s"]:.0f}s, val top-1 {info["accuracy"]:.1f}% -> {dst}')
    return dst


def pretrainings_of(task: str, method: str) -> List[str]:
    """The pretrainings ``method``'s model on ``task`` (and its first stage) loads.

    Read from the checkpoint paths in the configs' ``model`` (a base file may define paths
    its model does not use).

    Args:
        task (str): The task.
        method (str): The method.

    Returns:
        list[str]: Keys of ``PRETRAIN``, in its order.
    """
    from mmengine.config import Config
    text = ''.join(repr(Config.fromfile(osp.join(ROOT, config_path(task, s))).model.to_dict())
                   for s in (method, STAGE1.get(method)) if s)
    return [n for n in PRETRAIN if f'work_dirs/zoo/{n}/{PRETRAIN[n]["file"]}' in text]


def needed_pretraining(opts: ZooOptions) -> List[str]:
    """The pretrainings the planned runs load (:func:`pretrainings_of`): the ``pt-*`` rows
    need no ResNet-18 teacher.

    Args:
        opts (ZooOptions): The table's options.

    Returns:
        list[str]: Keys of ``PRETRAIN``, in its order.
    """
    needed = {n for t, m in {(t, m) for t, m, _ in plan(opts)} for n in pretrainings_of(t, m)}
    return [n for n in PRETRAIN if n in needed]
