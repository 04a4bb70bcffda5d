# Copyright (c) procd_mm authors. All rights reserved.
"""The zoo's benchmarks and how one set of zoo configs is pointed at any of them.

The zoo configs under ``configs/zoo/`` are written for ProC-Parts. Every benchmark here has
the same layout (``cls/`` for the teacher, ``scenes/`` for the students) and the same
numbers of classes (10 teacher classes, 4 student classes), so a config runs on another
benchmark with only its data paths and class names changed (:func:`retarget`), which is
also how a held-out benchmark is run. The class names come from the benchmark's own
``meta.json``.

A benchmark's ``module`` writes it (``write_dataset``, :mod:`procd_mm.datasets`); its
``generator`` names the command line, ``tools/dataset_converters/<generator>.py``.
"""
import importlib
import json
import os.path as osp
from typing import Any, Callable, Dict, Optional, Sequence

from procd_mm.datasets import procd_parts

PARTS_DATA = 'data/procd_parts'
# Where the zoo configs expect pretrained checkpoints, and the teacher checkpoint they name;
# a run substitutes its own work dir and teacher.
CONFIG_ZOO_DIR = 'work_dirs/zoo'
CONFIG_TEACHER_CKPT = CONFIG_ZOO_DIR + '/teacher/teacher_r18_procd-parts.pth'
# The class names the zoo configs are written with: ProC-Parts' own.
PARTS_TEACHER_CLASSES = procd_parts.TEACHER_CLASSES
PARTS_STUDENT_CLASSES = procd_parts.STUDENT_CLASSES

BENCHMARKS: Dict[str, Dict[str, Any]] = {
    'procd-parts': dict(
        name='ProC-Parts', generator='make_procd_parts', module='procd_mm.datasets.procd_parts',
        data=PARTS_DATA,
        work_dir='work_dirs/zoo', doc='docs/model_zoo.md', runs_subdir='zoo_runs',
        metafile='metafile.yml', model_index='model-index.yml',
        content='The teacher is a ResNet-18 classifier pretrained on 10 part-composed '
                'classes; the students detect/segment 4 *other* classes composed from the '
                'same part vocabulary, from 120 training images.'),
    'procd-shapes': dict(
        name='ProC-Shapes', generator='make_procd_shapes',
        module='procd_mm.datasets.procd_shapes', data='data/procd_shapes',
        work_dir='work_dirs/zoo_shapes', doc='docs/model_zoo_shapes.md',
        runs_subdir='zoo_shapes_runs', metafile='work_dirs/zoo_shapes/metafile.yml',
        model_index='work_dirs/zoo_shapes/model-index.yml',
        content='The teacher is a ResNet-18 classifier pretrained on 10 silhouette shapes '
                '(class given by the outline; smooth fills are shared by all classes); the '
                'students detect/segment 4 *other* shapes, 2-4 overlapping objects per '
                'scene, from 120 training images.',
        # Fixed by its plan before its first distillation run (docs/plans/procd_shapes.md):
        # the plain student's val figures at 300 iterations left a class unlearned.
        iters=dict(det=900, seg=900),
        # The ResNet-50 teacher's split: the first of 400, 800, 1600 images per class whose
        # pretraining is ahead of this benchmark's ResNet-18 teacher (65.0%) on val top-1
        # (docs/plans/headline.md). 400 gave 63.0% (docs/zoo_shapes_runs/pretrain/tried/).
        pretrain_splits=dict(teacher_r50=dict(cls_train=800))),
}


def generate_benchmark(benchmark: str, out: str, counts: Optional[Dict[str, int]] = None,
                       seed: int = 0) -> dict:
    """Generate ``benchmark`` into ``out`` with its own generator.

    Args:
        benchmark (str): A key of :data:`BENCHMARKS`.
        out (str): Output folder.
        counts (dict, optional): Item counts passed to the generator.
        seed (int): The generator's seed: 0 for the benchmark itself, others for separate
            (pretraining) splits. Defaults to 0.

    Returns:
        dict: The generator's ``meta.json`` content.
    """
    module = importlib.import_module(BENCHMARKS[benchmark]['module'])
    return module.write_dataset(out, seed=seed, counts=counts)


def class_names(data: str) -> Dict[str, tuple]:
    """The teacher and student class names of the benchmark in ``data`` (its meta.json).

    Args:
        data (str): The benchmark folder.

    Returns:
        dict: ``teacher`` and ``student``, tuples of names.

    Raises:
        ValueError: When the class counts differ from ProC-Parts' (the zoo configs' heads
            are sized for 10 teacher and 4 student classes).
    """
    path = osp.join(data, 'meta.json')
    with open(path) as f:
        meta = json.load(f)
    names = dict(teacher=tuple(meta['teacher_classes']), student=tuple(meta['student_classes']))
    if len(names['teacher']) != len(PARTS_TEACHER_CLASSES) or \
            len(names['student']) != len(PARTS_STUDENT_CLASSES):
        raise ValueError(f'{path}: the zoo configs need {len(PARTS_TEACHER_CLASSES)} teacher '
                         f'and {len(PARTS_STUDENT_CLASSES)} student classes, got '
                         f'{len(names["teacher"])} and {len(names["student"])}')
    return names


def map_config(cfg: Any, swap: Callable[[Any], Any]) -> Any:
    """``cfg`` with ``swap`` applied to every value below its dicts.

    Args:
        cfg (Any): A plain dict of a config (or any value in it).
        swap (Callable): Value -> value; a list or tuple it returns unchanged is walked
            into, one it replaces is not.

    Returns:
        Any: The new config; ``cfg`` is not changed.
    """
    if isinstance(cfg, dict):
        return {k: map_config(v, swap) for k, v in cfg.items()}
    new = swap(cfg)
    if new is not cfg:
        return new
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(map_config(v, swap) for v in cfg)
    return cfg


def replace_prefix(cfg: Any, old: str, new: str) -> Any:
    """``cfg`` with every string that starts with ``old`` starting with ``new`` instead.

    Args:
        cfg (Any): A plain dict of a config.
        old (str): The prefix replaced.
        new (str): Its replacement.

    Returns:
        Any: The new config.
    """
    return map_config(cfg, lambda v: new + v[len(old):]
                    if isinstance(v, str) and v.startswith(old) else v)


def retarget(cfg: dict, data: str, teacher_ckpt: Optional[str] = None,
             zoo_dir: str = CONFIG_ZOO_DIR) -> dict:
    """A zoo config (as a plain dict) pointed at the benchmark in ``data``.

    Data paths under ``data/procd_parts`` move to ``data``; ProC-Parts' class-name tuples
    (teacher classes, student classes, and the segmentation classes with ``background``
    first) become the benchmark's; the configs' teacher checkpoint path (also where an
    ``init_cfg`` names it) becomes ``teacher_ckpt`` when given, and their other paths under
    ``work_dirs/zoo`` (pretrained checkpoints) move to ``zoo_dir``.

    Args:
        cfg (dict): The config as a dict (``Config.to_dict()``).
        data (str): The benchmark folder (with ``meta.json``).
        teacher_ckpt (str, optional): This run's teacher checkpoint.
        zoo_dir (str): This zoo's work dir. Defaults to ``work_dirs/zoo``.

    Returns:
        dict: The retargeted config.
    """
    cfg = replace_prefix(cfg, PARTS_DATA, data)

    def move(value):
        if not isinstance(value, str):
            return value
        if teacher_ckpt is not None and value == CONFIG_TEACHER_CKPT:
            return teacher_ckpt
        if value.startswith(CONFIG_ZOO_DIR + '/'):
            return osp.join(zoo_dir, value[len(CONFIG_ZOO_DIR) + 1:])
        return value
    cfg = map_config(cfg, move)
    if not osp.exists(osp.join(data, 'meta.json')):
        return cfg
    names = class_names(data)
    table = {PARTS_TEACHER_CLASSES: names['teacher'], PARTS_STUDENT_CLASSES: names['student'],
             ('background', ) + PARTS_STUDENT_CLASSES: ('background', ) + names['student']}

    def swap(value: Sequence):
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value) \
                and tuple(value) in table:
            return type(value)(table[tuple(value)])
        return value
    return map_config(cfg, swap)
