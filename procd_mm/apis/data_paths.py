# Copyright (c) procd_mm authors. All rights reserved.
"""Check a config's dataset paths before anything is built."""
import os.path as osp
from typing import Any, Iterator, Sequence, Tuple

from mmengine.config import Config

from .run_config import RunConfigError

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
# Keys under a dataset config that hold a wrapped dataset (RepeatDataset, ConcatDataset ...).
WRAPPED = ('dataset', 'datasets')


def dataset_paths(dataset: Any, key: str) -> Iterator[Tuple[str, str]]:
    """Every local path a dataset config names, with the dataset's own ``data_root`` joined
    as :class:`mmengine.dataset.BaseDataset` does.

    Args:
        dataset (Any): A dataset config (or a list of them, or a wrapper of them).
        key (str): Its config key, e.g. ``'train_dataloader.dataset'``.

    Yields:
        tuple[str, str]: (config key, path) of ``data_root``, ``ann_file`` and each
        ``data_prefix`` entry.
    """
    if isinstance(dataset, (list, tuple)):
        for i, d in enumerate(dataset):
            yield from dataset_paths(d, f'{key}[{i}]')
        return
    if not isinstance(dataset, dict):
        return
    for sub in WRAPPED:
        if sub in dataset:
            yield from dataset_paths(dataset[sub], f'{key}.{sub}')
    root = dataset.get('data_root') or ''
    if root:
        yield f'{key}.data_root', root
    ann = dataset.get('ann_file')
    if ann:
        yield f'{key}.ann_file', ann if osp.isabs(ann) else osp.join(root, ann)
    prefix = dataset.get('data_prefix')
    if isinstance(prefix, dict):
        for name, value in prefix.items():
            if isinstance(value, str) and value:
                path = value if osp.isabs(value) else osp.join(root, value)
                yield f'{key}.data_prefix.{name}', path


def check_data_paths(cfg: Config, loaders: Sequence[str] = DATALOADERS) -> None:
    """Stop early, naming the path and its config key, when a dataset path is missing.

    Checks ``data_root``, ``ann_file`` and ``data_prefix`` of the datasets of ``loaders``
    (wrapped datasets included) and the ``ann_file`` of their evaluators. Remote paths
    (``s3://``, ``http://`` ...) are not checked.

    Args:
        cfg (Config): The config.
        loaders (Sequence[str]): The dataloader keys to check.

    Raises:
        RunConfigError: A path does not exist; the message names every missing path with
            its key, and how to point the config elsewhere.
    """
    found = []
    for loader in loaders:
        loader_cfg = cfg.get(loader, None)
        if isinstance(loader_cfg, dict) and 'dataset' in loader_cfg:
            found.extend(dataset_paths(loader_cfg['dataset'], f'{loader}.dataset'))
    for evaluator in EVALUATORS:
        if evaluator.replace('evaluator', 'dataloader') not in loaders:
            continue
        ev_cfg = cfg.get(evaluator, None)
        for i, ev in enumerate(ev_cfg if isinstance(ev_cfg, (list, tuple)) else [ev_cfg]):
            if isinstance(ev, dict) and ev.get('ann_file'):
                key = evaluator if isinstance(ev_cfg, dict) else f'{evaluator}[{i}]'
                found.append((f'{key}.ann_file', ev['ann_file']))
    missing = [(k, p) for k, p in found if '://' not in p and not osp.exists(p)]
    if missing:
        lines = '\n'.join(f'  {k} = {p!r}' for k, p in missing)
        raise RunConfigError(
            f'dataset path(s) in the config do not exist:\n{lines}\n'
            'Put the data there, or point the config at it, e.g. --cfg-options '
            f'{missing[0][0]}=/path/to/data')
