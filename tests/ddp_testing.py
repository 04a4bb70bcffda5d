# Copyright (c) procd_mm authors. All rights reserved.
"""Every distiller mode that a shipped config uses, trained two steps on two gloo ranks
under DDP with ``find_unused_parameters=False`` (a parameter without a gradient fails the
second step: "Expected to have finished reduction in the prior iteration")."""
import glob
import json
import os
import os.path as osp
import traceback
from typing import Dict, List, Tuple

from mm_testing import CONFIGS, TINY_VIT, load_config

MODE_KEYS = ('guided', 'guided_input', 'guided_residual', 'mimic', 'student_weight')


def _is_distiller(model) -> bool:
    return isinstance(model, dict) and 'student' in model and 'teacher' in model


def mode_of(model) -> Tuple:
    """What decides which parameters a step uses: the distiller, the student's family and
    the switches of the step."""
    student = model['student']['type']
    objective = model.get('objective')  # distillation pretraining: which objectives run
    objectives = '-' if objective is None else tuple(
        o['type'] for o in (objective if isinstance(objective, (list, tuple)) else [objective]))
    return (model['type'].split('.')[-1], student.split('.')[-1],
            *(str(model.get(k, '-')) for k in MODE_KEYS),
            model.get('loss_feat', '-') is None, objectives)


def shipped_modes() -> Dict[Tuple, str]:
    """One config per distiller mode among the configs under ``configs/``."""
    modes: Dict[Tuple, str] = {}
    for path in sorted(glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)):
        rel = osp.relpath(path, CONFIGS)
        if rel.startswith('_base_') or '/_base_/' in rel:
            continue
        model = load_config(rel).get('model')
        if _is_distiller(model):
            modes.setdefault(mode_of(model), rel)
    return modes


def tiny_distiller_cfg(rel: str):
    """The config's distiller with a random teacher (the zoo's ResNet-18, or a tiny ViT
    for the large teachers), no downloads, small crops."""
    from mm_testing import tiny_model_cfg
    if rel.startswith('zoo'):
        model = tiny_model_cfg(rel, teacher=load_config(rel).model.teacher)
    else:
        model = tiny_model_cfg(rel, teacher=TINY_VIT)
    return model


def _inputs(model, rank: int):
    import torch
    from mm_testing import det_inputs, is_segmentor, seg_inputs
    torch.manual_seed(rank)
    if not hasattr(model, 'student'):  # distillation pretraining: images without labels
        return dict(inputs=det_inputs(size=(64, 96))['inputs'])
    if is_segmentor(model):
        return seg_inputs(num_classes=model.student.decode_head.num_classes)
    roi = getattr(model.student, 'roi_head', None)
    packed = det_inputs(size=(64, 96), with_mask=bool(roi is not None and roi.with_mask))
    num_classes = getattr(getattr(model.student, 'bbox_head', None), 'num_classes', None)
    if num_classes is not None:  # zoo detectors have 4 classes; demo labels go up to 80
        for s in packed['data_samples']:
            s.gt_instances.labels = s.gt_instances.labels % num_classes
    return packed


def worker(rank: int, world_size: int, init_file: str, modes: List[Tuple[str, str]],
           out_dir: str) -> None:
    """Two DDP steps of each mode on this rank; writes ``{name: 'ok' | traceback}``."""
    import torch
    import torch.distributed as dist
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper

    from procd_mm.registry import MODELS
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world_size)
    results = {}
    try:
        for name, rel in modes:
            try:
                torch.manual_seed(0)
                model = MODELS.build(tiny_distiller_cfg(rel))
                model.init_weights()
                ddp = MMDistributedDataParallel(module=model, find_unused_parameters=False)
                optim = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=1e-3))
                for _ in range(2):
                    ddp.train_step(_inputs(model, rank), optim)
                results[name] = 'ok'
            except Exception:  # noqa: BLE001 - reported per mode by the test
                results[name] = traceback.format_exc()[-3000:]
    finally:
        with open(osp.join(out_dir, f'rank{rank}.json'), 'w') as f:
            json.dump(results, f)
        dist.destroy_process_group()
        os._exit(0)  # skip interpreter teardown of the loaded stack
