# Copyright (c) procd_mm authors. All rights reserved.
"""Train a ProC-KD distiller (or any mmdet/mmseg model) with MMEngine's Runner.

Usage::

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--auto-scale-lr] [--cfg-options k=v ...] [--launcher {none,pytorch,slurm,mpi}]

Distributed runs go through ``tools/dist_train.sh`` / ``tools/slurm_train.sh``
(``torch.distributed.run``). Without GPUs the gloo backend is used and the model is wrapped
in DDP without ``device_ids``; with GPUs MMEngine's own set-up (nccl) is used. A backend set
in ``env_cfg.dist_cfg.backend`` is kept, except ``nccl`` on a machine without GPUs.

``tools/test.py`` reuses :func:`load_cfg`, :func:`check_data_paths`, :func:`setup_dist` and
:func:`build_runner` from this file.
"""
import argparse
import logging
import os
import os.path as osp
import subprocess
from typing import Iterator, List, Optional, Tuple

import torch
from mmengine.config import Config, ConfigDict, DictAction

import procd_mm  # noqa: F401  (lets configs inherit `procd_mm::...` bases)
from mmengine.logging import print_log

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
EVALUATORS = ('val_evaluator', 'test_evaluator')
# Keys under a dataset config that hold a wrapped dataset (RepeatDataset, ConcatDataset ...).
WRAPPED = ('dataset', 'datasets')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a ProC-KD model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; without a value, from the latest '
        'checkpoint in the work_dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='automatic mixed precision (float16 on CUDA, bfloat16 on CPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the total batch size '
        '(needs auto_scale_lr.base_batch_size in the config)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value (e.g. model.guided=False)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch>=2.0) or --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


# -- config ---------------------------------------------------------------------------
def load_cfg(config: str, cfg_options: Optional[dict], launcher: str,
             work_dir: Optional[str]) -> Config:
    """Read the config, merge ``--cfg-options`` and set ``launcher`` and ``work_dir``.

    Args:
        config (str): Config file path.
        cfg_options (dict, optional): Overrides from ``--cfg-options``.
        launcher (str): Job launcher.
        work_dir (str, optional): ``--work-dir``; defaults to the config's ``work_dir`` or
            ``./work_dirs/<config name>``.

    Returns:
        Config: The config.
    """
    if not osp.isfile(config):
        raise SystemExit(f'config file {config!r} does not exist')
    cfg = Config.fromfile(config)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def _dataset_paths(dataset, key: str) -> Iterator[Tuple[str, str]]:
    """(config key, path) of every local path a dataset config names, with the dataset's
    own ``data_root`` joined as :class:`mmengine.dataset.BaseDataset` does."""
    if isinstance(dataset, (list, tuple)):
        for i, d in enumerate(dataset):
            yield from _dataset_paths(d, f'{key}[{i}]')
        return
    if not isinstance(dataset, dict):
        return
    for sub in WRAPPED:
        if sub in dataset:
            yield from _dataset_paths(dataset[sub], f'{key}.{sub}')
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


def check_data_paths(cfg: Config, loaders: Tuple[str, ...] = DATALOADERS) -> None:
    """Stop early, naming the path and its config key, when a dataset path is missing.

    Checks ``data_root``, ``ann_file`` and ``data_prefix`` of the datasets of ``loaders``
    (wrapped datasets included) and the ``ann_file`` of the evaluators. Remote paths
    (``s3://``, ``http://`` ...) are not checked.

    Args:
        cfg (Config): The config.
        loaders (tuple[str]): The dataloader keys to check.

    Raises:
        SystemExit: A path does not exist; the message names the path and the key.
    """
    found = []
    for loader in loaders:
        loader_cfg = cfg.get(loader, None)
        if isinstance(loader_cfg, dict) and 'dataset' in loader_cfg:
            found.extend(_dataset_paths(loader_cfg['dataset'], f'{loader}.dataset'))
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
        raise SystemExit(
            f'dataset path(s) in the config do not exist:\n{lines}\n'
            'Put the data there, or point the config at it, e.g. --cfg-options '
            f'{missing[0][0]}=/path/to/data')


def set_amp(cfg: Config) -> None:
    """Turn on mixed precision: ``AmpOptimWrapper``, float16 on CUDA, bfloat16 on CPU.

    Args:
        cfg (Config): The config; ``optim_wrapper`` is changed in place.
    """
    optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if optim_wrapper == 'AmpOptimWrapper':
        print_log('AMP is already enabled in the config', logger='current',
                  level=logging.WARNING)
        return
    if optim_wrapper != 'OptimWrapper':
        raise SystemExit(f'--amp needs optim_wrapper.type OptimWrapper, got {optim_wrapper!r}')
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
        cfg.optim_wrapper.dtype = 'float16'
    else:
        # MMEngine's AmpOptimWrapper asserts a GPU; bfloat16 needs no loss scaling.
        register_cpu_amp()
        cfg.optim_wrapper.type = 'CPUAmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'


def register_cpu_amp() -> None:
    """Register ``CPUAmpOptimWrapper``: AmpOptimWrapper's autocast, on CPU, no scaler."""
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    from mmengine.registry import OPTIM_WRAPPERS
    if 'CPUAmpOptimWrapper' in OPTIM_WRAPPERS.module_dict:
        return

    class CPUAmpOptimWrapper(AmpOptimWrapper):
        """``AmpOptimWrapper`` for CPU: bfloat16 autocast, no loss scaling."""

        def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
            OptimWrapper.__init__(self, **kwargs)  # skips AmpOptimWrapper's GPU assert
            self._scale_update_param = None
            self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
            self.cast_dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype

    OPTIM_WRAPPERS.register_module(module=CPUAmpOptimWrapper)


def set_resume(cfg: Config, resume: Optional[str]) -> None:
    """``--resume``: ``'auto'`` resumes the latest checkpoint of the work_dir."""
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        if not osp.isfile(resume):
            raise SystemExit(f'--resume {resume!r}: no such checkpoint file')
        cfg.resume = True
        cfg.load_from = resume


def set_auto_scale_lr(cfg: Config) -> None:
    """``--auto-scale-lr``: enable ``auto_scale_lr`` (base_batch_size must be set)."""
    if 'auto_scale_lr' in cfg and 'base_batch_size' in cfg.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    else:
        raise SystemExit('--auto-scale-lr needs auto_scale_lr.base_batch_size in the config')


# -- distributed ----------------------------------------------------------------------
def _dist_backend(cfg: Config) -> str:
    env_cfg = cfg.setdefault('env_cfg', ConfigDict())
    dist_cfg = env_cfg.setdefault('dist_cfg', ConfigDict())
    backend = dist_cfg.get('backend', None)
    if not torch.cuda.is_available() and backend in (None, 'nccl'):
        if backend == 'nccl':
            print_log('no GPU: env_cfg.dist_cfg.backend nccl -> gloo', logger='current')
        backend = 'gloo'
    elif backend is None:
        backend = 'nccl'
    dist_cfg.backend = backend
    return backend


def setup_dist(cfg: Config) -> None:
    """Prepare a distributed run; on CPU also start the process group here.

    MMEngine's launchers call ``torch.cuda.set_device`` (fails without a GPU) and its
    default DDP wrapper passes ``device_ids=[LOCAL_RANK]`` (invalid for CPU modules). With
    GPUs MMEngine's set-up is left as it is; without, the process group is started here
    (the runner then skips its own) and DDP is built with ``device_ids=None``.

    Args:
        cfg (Config): The config, with ``launcher`` set; changed in place.
    """
    if cfg.launcher == 'none':
        return
    backend = _dist_backend(cfg)
    if torch.cuda.is_available():
        return
    import torch.distributed as dist
    if cfg.launcher == 'slurm':
        _slurm_env(cfg.env_cfg.dist_cfg.get('port', None))
    elif cfg.launcher == 'mpi':
        os.environ.setdefault('RANK', os.environ['OMPI_COMM_WORLD_RANK'])
        os.environ.setdefault('WORLD_SIZE', os.environ['OMPI_COMM_WORLD_SIZE'])
        os.environ.setdefault('LOCAL_RANK', os.environ['OMPI_COMM_WORLD_LOCAL_RANK'])
        os.environ.setdefault('MASTER_PORT', '29500')
    kwargs = {k: v for k, v in cfg.env_cfg.dist_cfg.items() if k not in ('backend', 'port')}
    if 'timeout' in kwargs:
        import datetime
        kwargs['timeout'] = datetime.timedelta(seconds=kwargs['timeout'])
    if not dist.is_initialized():
        dist.init_process_group(
            backend=backend,
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
    wrapper = cfg.get('model_wrapper_cfg', None) or ConfigDict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper


def _slurm_env(port: Optional[int]) -> None:
    """The environment ``torch.distributed`` needs, from SLURM's (as MMEngine's launcher)."""
    node_list = os.environ['SLURM_NODELIST']
    os.environ.setdefault(
        'MASTER_ADDR', subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1'))
    os.environ['MASTER_PORT'] = str(port or os.environ.get('MASTER_PORT', 29500))
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    os.environ['RANK'] = os.environ['SLURM_PROCID']
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')


def close_dist() -> None:
    """End a distributed run cleanly once every rank has finished its work.

    With gloo (CPU), a rank sometimes aborts in torch's C++ teardown ("terminate called
    without an active exception", SIGABRT, about 1 run in 30 here) after all its work is
    done, even after ``destroy_process_group()``, which fails the whole launch. So after a
    final barrier, gloo ranks flush their logs and leave with ``os._exit(0)``, skipping
    that teardown; an error before this point still fails the run as usual. NCCL runs end
    with ``destroy_process_group()``.
    """
    import logging
    import sys

    import torch.distributed as dist
    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()
    if dist.get_backend() != 'gloo':
        dist.destroy_process_group()
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def build_runner(cfg: Config):
    """``RUNNERS.build(cfg)`` when the config names a ``runner_type``, else
    ``Runner.from_cfg(cfg)``."""
    if 'runner_type' not in cfg:
        from mmengine.runner import Runner
        return Runner.from_cfg(cfg)
    from mmengine.registry import RUNNERS
    return RUNNERS.build(cfg)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg = load_cfg(args.config, args.cfg_options, args.launcher, args.work_dir)
    loaders = ('train_dataloader', ) + (
        ('val_dataloader', ) if cfg.get('val_cfg', None) else ())
    check_data_paths(cfg, loaders)
    if args.amp:
        set_amp(cfg)
    if args.auto_scale_lr:
        set_auto_scale_lr(cfg)
    set_resume(cfg, args.resume)
    setup_dist(cfg)
    runner = build_runner(cfg)
    runner.train()
    close_dist()


if __name__ == '__main__':
    main()
