# Copyright (c) procd_mm authors. All rights reserved.
"""Shared writer of the synthetic cross-task benchmarks (ProC-Parts, ProC-Shapes).

The generators only draw images; this module writes them in the layout every ProC
benchmark shares, so the same training configs run on each with only data paths and class
names changed::

    cls/{train,val}/<class>/<n>.jpg                     teacher task (classification)
    cls/classes.txt
    scenes/img_dir/{train,val,test}/<n>.jpg             student tasks
    scenes/ann_dir/{train,val,test}/<n>.png             0 = background, 1..K = classes
    scenes/<extra>/{train,val,test}/<n>.png             optional per-pixel maps
    scenes/annotations/instances_{train,val,test}.json  COCO boxes, category ids 1..K
    meta.json

Nothing here draws random numbers: the callers' draw order alone fixes the files, and
the same seed writes byte-identical files.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

# cls_train/cls_val: images per teacher class; det_train/det_val/det_test: scenes.
DEFAULT_COUNTS = dict(cls_train=120, cls_val=20, det_train=120, det_val=60, det_test=200)
CLS_SPLITS = ('train', 'val')
SCENE_SPLITS = ('train', 'val', 'test')

# A student scene: image (H, W, 3) uint8, label map (H, W) uint8, [(label 0..K-1,
# [x, y, w, h])] and {extra folder name: (H, W) uint8 map}.
Scene = Tuple[np.ndarray, np.ndarray, List[Tuple[int, List[int]]], Dict[str, np.ndarray]]


def hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    """One HSV colour (each in [0, 1]) as float32 RGB in [0, 255].

    Args:
        h (float): Hue.
        s (float): Saturation.
        v (float): Value.

    Returns:
        np.ndarray: (3,) float32.
    """
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    rgb = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return np.array(rgb, dtype=np.float32) * 255


def to_uint8(canvas: np.ndarray) -> np.ndarray:
    """Clip a float canvas to [0, 255] and cast it to uint8.

    Args:
        canvas (np.ndarray): Float image.

    Returns:
        np.ndarray: The uint8 image.
    """
    return np.clip(canvas, 0, 255).astype(np.uint8)


def save_jpg(arr: np.ndarray, path: str) -> None:
    """Save a uint8 RGB image as JPEG (quality 85).

    Args:
        arr (np.ndarray): (H, W, 3) uint8 image.
        path (str): Output file.
    """
    Image.fromarray(arr).save(path, quality=85)


def prepare_out(out: str, subs: Sequence[str] = ('cls', 'scenes')) -> None:
    """Create ``out``, removing the generated sub-folders a previous write left there.

    Args:
        out (str): Output folder.
        subs (Sequence[str]): Sub-folders to remove first. Defaults to ('cls', 'scenes').
    """
    if osp.isdir(out):
        for sub in subs:
            shutil.rmtree(osp.join(out, sub), ignore_errors=True)
    os.makedirs(out, exist_ok=True)


def write_cls(out: str, classes: Sequence[str], counts: Dict[str, int],
              make_image: Callable[[str], np.ndarray]) -> Dict[str, int]:
    """Write the teacher task in mmpretrain ``CustomDataset`` layout plus ``classes.txt``.

    Images are drawn split by split, class by class (``make_image`` is called in that
    order, which fixes the random-number stream).

    Args:
        out (str): Dataset root; writes ``out/cls``.
        classes (Sequence[str]): Teacher class names.
        counts (dict): ``cls_train`` and ``cls_val``: images per class.
        make_image (Callable[[str], np.ndarray]): Draws one (H, W, 3) uint8 image of a class.

    Returns:
        dict: Images written per split.
    """
    cls_counts = {}
    for split in CLS_SPLITS:
        n = counts[f'cls_{split}']
        for cls in classes:
            folder = osp.join(out, 'cls', split, cls)
            os.makedirs(folder, exist_ok=True)
            for i in range(n):
                save_jpg(make_image(cls), osp.join(folder, f'{i:04d}.jpg'))
        cls_counts[split] = n * len(classes)
    with open(osp.join(out, 'cls', 'classes.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')
    return cls_counts


def write_scenes(out: str, classes: Sequence[str], counts: Dict[str, int],
                 make_scene: Callable[[], Scene], size: int,
                 extra_dirs: Sequence[str] = ()) -> Dict[str, dict]:
    """Write the student tasks: images, label maps, optional extra maps and COCO boxes.

    Args:
        out (str): Dataset root; writes ``out/scenes``.
        classes (Sequence[str]): Student class names (COCO category ids 1..K).
        counts (dict): ``det_train``, ``det_val`` and ``det_test``: scenes per split.
        make_scene (Callable[[], Scene]): Draws one scene: image, label map, objects as
            ``[(label 0..K-1, [x, y, w, h])]`` and ``{folder: map}`` of ``extra_dirs``.
        size (int): Scene side in pixels (the COCO image size).
        extra_dirs (Sequence[str]): Folders under ``scenes`` of the extra maps.

    Returns:
        dict: ``{split: dict(images=..., objects=...)}``.
    """
    scene_counts = {}
    categories = [dict(id=i + 1, name=c, supercategory='object')
                  for i, c in enumerate(classes)]
    for split in SCENE_SPLITS:
        img_dir = osp.join(out, 'scenes', 'img_dir', split)
        ann_dir = osp.join(out, 'scenes', 'ann_dir', split)
        extra = {d: osp.join(out, 'scenes', d, split) for d in extra_dirs}
        for folder in (img_dir, ann_dir, *extra.values()):
            os.makedirs(folder, exist_ok=True)
        images, annotations = [], []
        for i in range(counts[f'det_{split}']):
            img, label, objects, maps = make_scene()
            name = f'{i:04d}'
            save_jpg(img, osp.join(img_dir, name + '.jpg'))
            Image.fromarray(label).save(osp.join(ann_dir, name + '.png'))
            for d, folder in extra.items():
                Image.fromarray(maps[d]).save(osp.join(folder, name + '.png'))
            images.append(dict(id=i + 1, file_name=name + '.jpg', width=size, height=size))
            for cls_id, bbox in objects:
                annotations.append(dict(id=len(annotations) + 1, image_id=i + 1,
                                        category_id=cls_id + 1, bbox=bbox,
                                        area=bbox[2] * bbox[3], iscrowd=0))
        os.makedirs(osp.join(out, 'scenes', 'annotations'), exist_ok=True)
        with open(osp.join(out, 'scenes', 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(dict(images=images, annotations=annotations, categories=categories), f)
        scene_counts[split] = dict(images=len(images), objects=len(annotations))
    return scene_counts


def write_meta(out: str, meta: dict) -> dict:
    """Write ``out/meta.json`` (sorted keys, indent 1).

    Args:
        out (str): Dataset root.
        meta (dict): The metadata.

    Returns:
        dict: ``meta``.
    """
    with open(osp.join(out, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    return meta


def write_benchmark(out: str, seed: int, counts: Optional[Dict[str, int]], name: str,
                    teacher_classes: Sequence[str], student_classes: Sequence[str],
                    make_cls_image: Callable[[np.random.RandomState, str], np.ndarray],
                    make_scene: Callable[[np.random.RandomState], Scene],
                    cls_size: int, scene_size: int, extra_dirs: Sequence[str] = (),
                    extra_meta: Optional[dict] = None) -> dict:
    """Write a whole benchmark under ``out``, replacing its ``cls`` and ``scenes``.

    One ``np.random.RandomState(seed)`` draws everything: first the teacher images (split
    by split, class by class), then the scenes (train, val, test).

    Args:
        out (str): Output folder.
        seed (int): Seed of the only random generator.
        counts (dict, optional): Overrides of ``DEFAULT_COUNTS``.
        name (str): Benchmark name in ``meta.json``.
        teacher_classes (Sequence[str]): Classification classes.
        student_classes (Sequence[str]): Detection / segmentation classes.
        make_cls_image (Callable): ``(rng, cls) -> (H, W, 3) uint8`` teacher image.
        make_scene (Callable): ``rng -> Scene``, see :func:`write_scenes`.
        cls_size (int): Teacher image side.
        scene_size (int): Scene side.
        extra_dirs (Sequence[str]): Folders under ``scenes`` of the scenes' extra maps.
        extra_meta (dict, optional): More ``meta.json`` entries.

    Returns:
        dict: The metadata also written to ``meta.json``.
    """
    counts = dict(DEFAULT_COUNTS, **(counts or {}))
    prepare_out(out)
    rng = np.random.RandomState(seed)
    cls_counts = write_cls(out, teacher_classes, counts, lambda cls: make_cls_image(rng, cls))
    scene_counts = write_scenes(out, student_classes, counts, lambda: make_scene(rng),
                                scene_size, extra_dirs)
    return write_meta(out, dict(
        name=name, seed=seed, counts=counts, teacher_classes=list(teacher_classes),
        student_classes=list(student_classes), cls_images=cls_counts, scenes=scene_counts,
        cls_size=cls_size, scene_size=scene_size, **(extra_meta or {})))


def generator_parser(description: str, default_out: str,
                     defaults: Optional[Dict[str, int]] = None) -> argparse.ArgumentParser:
    """The generators' command line: ``--out``, ``--seed`` and one flag per count.

    Args:
        description (str): Help text.
        default_out (str): Default of ``--out``.
        defaults (dict, optional): The generator's counts; ``DEFAULT_COUNTS`` when None.

    Returns:
        argparse.ArgumentParser: Parses ``out``, ``seed`` and the keys of ``DEFAULT_COUNTS``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--out', default=default_out, help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    for key, value in (defaults or DEFAULT_COUNTS).items():
        parser.add_argument(f'--{key.replace("_", "-")}', type=int, default=value,
                            help=f'number of {key} items (default {value})')
    return parser


def write_and_report(write_dataset: Callable[..., dict], out: str, seed: int,
                     counts: Dict[str, int]) -> dict:
    """Write a dataset and print a one-line summary (the generators' command lines).

    Args:
        write_dataset (Callable[..., dict]): ``write_dataset(out, seed, counts) -> meta``.
        out (str): Output folder.
        seed (int): The generator's seed.
        counts (dict): Item counts, the keys of ``DEFAULT_COUNTS``.

    Returns:
        dict: The metadata written.
    """
    t0 = time.time()
    meta = write_dataset(out, seed, counts)
    size = sum(osp.getsize(osp.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print(f'{meta["name"]} written to {out} in {time.time() - t0:.1f}s '
          f'({size / 2**20:.1f} MB): '
          f'{meta["cls_images"]["train"]} + {meta["cls_images"]["val"]} teacher images '
          f'({len(meta["teacher_classes"])} classes), scenes {meta["scenes"]} '
          f'({len(meta["student_classes"])} classes)')
    return meta
