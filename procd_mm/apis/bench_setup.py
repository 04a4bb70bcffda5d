# Copyright (c) procd_mm authors. All rights reserved.
"""What the measuring tools share (``tools/benchmark.py``, ``tools/analysis/count_ops.py``):
a distiller config that builds offline, random batches for its student, one train step."""
import argparse
import copy
from typing import Callable, Optional, Sequence

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from torch import nn

from procd_mm.utils import register_all_modules
from procd_mm.utils.offline import strip_downloads_and_syncbn
from .run_config import RunConfigError


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the measuring tools' common flags: ``--device``, ``--amp``, ``--img-size``,
    ``--batch``, ``--clock`` and ``--cfg-options``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser (it has the config argument).
    """
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--amp', action='store_true',
                        help='autocast the train steps and inference (float16 on CUDA, '
                        'bfloat16 on CPU); the teacher follows model.teacher_amp')
    parser.add_argument('--img-size', type=int, nargs=2, default=[128, 128],
                        metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                        help="'cpu': one torch thread and that thread's CPU time "
                        '(time.thread_time), robust on a shared machine; CPU device only')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings in the config, key=value')


def check_bench_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Stop with ``parser.error`` on flags of :func:`add_bench_arguments` that cannot run
    here: ``--device cuda`` without a GPU, ``--clock cpu`` off the CPU, ``--batch`` < 1.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        args (argparse.Namespace): Its parsed arguments.
    """
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: no GPU visible to torch')
    if args.clock == 'cpu' and args.device != 'cpu':
        parser.error('--clock cpu is for --device cpu')
    if args.batch < 1:
        parser.error('--batch >= 1 is required')


def load_bench_config(config: str, cfg_options: Optional[dict] = None,
                      img_size: Optional[Sequence[int]] = None) -> Config:
    """A distiller config, ready for building on this machine without downloads.

    procd_mm's modules are registered and the config's default scope entered. The teacher
    keeps random weights (``model.teacher_ckpt=None``), pretrained ``init_cfg`` is dropped,
    SyncBN becomes BN, and mmseg's ``data_preprocessor.size`` is set to ``img_size``.

    Args:
        config (str): Config file path.
        cfg_options (dict, optional): Overrides (``--cfg-options``).
        img_size (Sequence[int], optional): (H, W) of the benchmark's images.

    Returns:
        Config: The config.

    Raises:
        RunConfigError: The config's model is not a distiller (no ``model.student``).
    """
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    if 'student' not in cfg.model:
        raise RunConfigError(f'{config}: model is not a distiller (no model.student)')
    cfg.model.teacher_ckpt = None
    strip_downloads_and_syncbn(cfg.model)
    pre = cfg.model.student.get('data_preprocessor', {})
    if pre.get('size') is not None and img_size is not None:
        pre['size'] = tuple(img_size)
    return cfg


def build_model(model_cfg: dict, device: str = 'cpu') -> nn.Module:
    """The model of ``model_cfg`` on ``device`` (a random teacher initialises quietly in
    :class:`~procd_mm.models.teachers.FrozenTeacher`).

    Args:
        model_cfg (dict): A model config (copied, not changed).
        device (str): Where the model goes. Defaults to ``'cpu'``.

    Returns:
        nn.Module: The model.
    """
    from procd_mm.registry import MODELS
    return MODELS.build(copy.deepcopy(model_cfg)).to(device)


def make_batch(student: nn.Module, batch: int, size: Sequence[int], seed: int = 0) -> dict:
    """A packed batch for the student's task: random images and ground truth.

    Args:
        student (nn.Module): An mmdet detector or an mmseg segmentor.
        batch (int): Images in the batch.
        size (Sequence[int]): (H, W) of the images.
        seed (int): Seed of the random segmentation images and labels. Defaults to 0.

    Returns:
        dict: ``inputs`` (uint8 (3, H, W) tensors) and ``data_samples``, as a dataloader
        yields them.
    """
    from mmdet.models.detectors.base import BaseDetector
    g = torch.Generator().manual_seed(seed)
    if isinstance(student, BaseDetector):
        from mmdet.testing import demo_mm_inputs
        head = getattr(student, 'roi_head', None)
        num_classes = head.bbox_head.num_classes if head is not None else \
            student.bbox_head.num_classes
        with_mask = bool(head is not None and getattr(head, 'with_mask', False))
        return demo_mm_inputs(batch, [[3, *size]] * batch, num_classes=num_classes,
                              with_mask=with_mask)
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    num_classes = student.decode_head.num_classes
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 255, (3, *size), generator=g, dtype=torch.uint8))
        sample = SegDataSample()
        sample.set_metainfo(dict(img_shape=tuple(size), ori_shape=tuple(size),
                                 pad_shape=tuple(size), scale_factor=(1.0, 1.0), flip=False))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, *size),
                                                         generator=g))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def amp_dtype(device: str) -> torch.dtype:
    """The autocast type of ``--amp``: float16 on CUDA, bfloat16 on CPU."""
    return torch.float16 if device == 'cuda' else torch.bfloat16


def train_step_fn(model: nn.Module, data: dict, device: str = 'cpu',
                  amp: bool = False) -> Callable[[], None]:
    """One training step as a closure: preprocess, loss, backward, SGD step.

    Args:
        model (nn.Module): The model, in train mode afterwards.
        data (dict): A packed batch (:func:`make_batch`).
        device (str): The model's device. Defaults to ``'cpu'``.
        amp (bool): Autocast the forward (:func:`amp_dtype`; loss scaling on CUDA).
            Defaults to False.

    Returns:
        Callable[[], None]: The step.
    """
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.SGD(params, lr=1e-4, momentum=0.9)
    scaler = torch.amp.GradScaler(device, enabled=amp and device == 'cuda')

    def step() -> None:
        batch = model.data_preprocessor(copy.copy(data), True)
        with torch.autocast(device_type=device, dtype=amp_dtype(device), enabled=amp):
            losses = model(**batch, mode='loss')
        loss, _ = model.parse_losses(losses)
        optim.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optim)
        scaler.update()

    return step
