# Copyright (c) procd_mm authors. All rights reserved.
"""Write ProC-Parts: a small, deterministic cross-task dataset built from shared object parts.

Every object is an arrangement of parts from one shared vocabulary (textured ``body``,
``head``, ``leg``, ``tail``, ``wing``, ``horn``, ``wheel``, ``fin``). The teacher's task
(classification, mmpretrain ``CustomDataset`` layout) and the students' tasks (detection in
COCO json, semantic segmentation in mmseg ``img_dir``/``ann_dir`` layout) use *different*
classes, composed from the same parts, so what transfers across tasks is part-level
knowledge, the premise of ProC-KD. The teacher's split is much larger and more varied than
the students' (data-limited) training split. Scenes carry clutter (loose parts and blobs that
belong to no object), scale, pose and colour variation.

Layout written under ``out``::

    cls/{train,val}/<class>/<n>.jpg        teacher task, 64x64, 10 classes
    cls/classes.txt
    scenes/img_dir/{train,val,test}/<n>.jpg             student tasks, 128x128
    scenes/ann_dir/{train,val,test}/<n>.png             0 = background, 1..4 = classes
    scenes/part_dir/{train,val,test}/<n>.png            0 = no object part, 1..8 = parts
    scenes/annotations/instances_{train,val,test}.json  COCO boxes, category ids 1..4
    meta.json                                           classes, parts, part ids, counts, seed

``part_dir`` maps are for diagnostics only (no student trains on them): each object pixel
holds ``part_ids[part]`` (index + 1 in ``PART_TEXTURES`` order: body, head, leg, tail, wing,
horn, wheel, fin) of the part painted there last; background and clutter are 0. Like the
class labels they are amodal (the final loose-part occluder does not erase them), so a
pixel is an object pixel of ``ann_dir`` exactly when it is > 0 in ``part_dir``. Writing
them draws no random numbers: every other file is the same as without them.

Usage::

    python tools/dataset_converters/make_procd_parts.py --out data/procd_parts [--seed 0]

Nothing is downloaded; the same seed writes byte-identical files.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw

from .synthetic_writer import DEFAULT_COUNTS, hsv_to_rgb, to_uint8, write_benchmark

# Each part has its own texture, shared by every class that uses it.
PART_TEXTURES = {
    'body': 'stripes',
    'head': 'dots',
    'leg': 'checker',
    'tail': 'waves',
    'wing': 'diag',
    'horn': 'solid',
    'wheel': 'rings',
    'fin': 'grid',
}

# A class is a list of parts: (part, cx, cy, w, h, angle in degrees) in a unit box whose
# x grows to the right (the head side) and y grows downwards.
_QUAD_LEGS = [('leg', x, 0.78, 0.08, 0.34, 0) for x in (0.28, 0.38, 0.62, 0.72)]
CLASS_PARTS: Dict[str, List[Tuple]] = {
    # teacher (classification) classes
    'cattle': [('body', 0.5, 0.45, 0.62, 0.38, 0), ('head', 0.86, 0.32, 0.2, 0.2, 0),
               ('horn', 0.88, 0.16, 0.08, 0.12, 0), ('tail', 0.14, 0.5, 0.22, 0.06, 60),
               *_QUAD_LEGS],
    'horse': [('body', 0.5, 0.42, 0.6, 0.3, 0), ('head', 0.86, 0.18, 0.16, 0.2, 0),
              ('tail', 0.12, 0.45, 0.3, 0.07, 40),
              *[('leg', x, 0.74, 0.07, 0.46, 0) for x in (0.3, 0.4, 0.6, 0.7)]],
    'bird': [('body', 0.5, 0.5, 0.44, 0.3, 0), ('head', 0.78, 0.32, 0.18, 0.18, 0),
             ('wing', 0.45, 0.35, 0.4, 0.28, -15), ('tail', 0.18, 0.55, 0.22, 0.06, 20),
             ('leg', 0.45, 0.8, 0.05, 0.24, 0), ('leg', 0.55, 0.8, 0.05, 0.24, 0)],
    'fish': [('body', 0.5, 0.5, 0.6, 0.36, 0), ('fin', 0.14, 0.5, 0.2, 0.4, 0),
             ('fin', 0.5, 0.24, 0.22, 0.14, 0), ('head', 0.82, 0.5, 0.14, 0.14, 0)],
    'deer': [('body', 0.5, 0.45, 0.5, 0.28, 0), ('head', 0.82, 0.25, 0.16, 0.16, 0),
             ('horn', 0.78, 0.08, 0.07, 0.16, -20), ('horn', 0.88, 0.08, 0.07, 0.16, 20),
             *[('leg', x, 0.75, 0.06, 0.42, 0) for x in (0.3, 0.4, 0.6, 0.7)]],
    'cart': [('body', 0.5, 0.4, 0.7, 0.34, 0), ('wheel', 0.28, 0.74, 0.24, 0.24, 0),
             ('wheel', 0.72, 0.74, 0.24, 0.24, 0)],
    'snake': [('tail', 0.5, 0.5, 0.8, 0.1, 10), ('tail', 0.35, 0.6, 0.5, 0.1, -25),
              ('head', 0.88, 0.4, 0.16, 0.14, 0)],
    'beetle': [('body', 0.5, 0.45, 0.5, 0.4, 0), ('head', 0.8, 0.45, 0.14, 0.16, 0),
               ('horn', 0.92, 0.35, 0.07, 0.12, 60),
               *[('leg', x, 0.72, 0.05, 0.22, a) for x, a in ((0.35, 25), (0.5, 0), (0.65, -25))]],
    'bat': [('body', 0.5, 0.5, 0.2, 0.3, 0), ('head', 0.5, 0.28, 0.14, 0.14, 0),
            ('wing', 0.25, 0.45, 0.38, 0.36, 20), ('wing', 0.75, 0.45, 0.38, 0.36, -20)],
    'giraffe': [('body', 0.45, 0.55, 0.44, 0.22, 0), ('leg', 0.7, 0.3, 0.07, 0.48, 25),
                ('head', 0.84, 0.1, 0.14, 0.12, 0), ('horn', 0.84, 0.02, 0.05, 0.08, 0),
                *[('leg', x, 0.82, 0.06, 0.36, 0) for x in (0.3, 0.4, 0.52, 0.62)]],
    # student (detection / segmentation) classes: new arrangements of the same parts
    'goat': [('body', 0.5, 0.48, 0.5, 0.3, 0), ('head', 0.8, 0.28, 0.16, 0.18, 0),
             ('horn', 0.76, 0.1, 0.06, 0.16, -35), ('tail', 0.22, 0.36, 0.12, 0.06, -45),
             *[('leg', x, 0.78, 0.07, 0.3, 0) for x in (0.32, 0.42, 0.58, 0.68)]],
    'duck': [('body', 0.5, 0.58, 0.56, 0.32, 0), ('head', 0.78, 0.26, 0.2, 0.2, 0),
             ('wing', 0.45, 0.52, 0.34, 0.2, 10), ('fin', 0.9, 0.3, 0.14, 0.08, 0)],
    'tractor': [('body', 0.42, 0.4, 0.5, 0.4, 0), ('head', 0.74, 0.46, 0.2, 0.24, 0),
                ('wheel', 0.3, 0.72, 0.38, 0.38, 0), ('wheel', 0.78, 0.78, 0.22, 0.22, 0)],
    'lizard': [('body', 0.48, 0.5, 0.46, 0.18, 0), ('head', 0.8, 0.48, 0.16, 0.13, 0),
               ('tail', 0.14, 0.56, 0.34, 0.07, -15),
               *[('leg', x, y, 0.05, 0.2, a) for x, y, a in
                 ((0.34, 0.34, 35), (0.62, 0.34, -35), (0.34, 0.66, -35), (0.62, 0.66, 35))]],
}
TEACHER_CLASSES = ('cattle', 'horse', 'bird', 'fish', 'deer', 'cart', 'snake', 'beetle', 'bat',
                   'giraffe')
STUDENT_CLASSES = ('goat', 'duck', 'tractor', 'lizard')

# Part id in the ``part_dir`` maps: index + 1 in PART_TEXTURES order (0 = no object part).
PART_IDS: Dict[str, int] = {part: i + 1 for i, part in enumerate(PART_TEXTURES)}

CLS_SIZE = 64
SCENE_SIZE = 128
# Images per teacher class and scenes per split (the writer's defaults).
COUNTS = dict(DEFAULT_COUNTS)


def _texture(kind: str, size: int, period: float, phase: float, theta: float) -> np.ndarray:
    """A binary-ish pattern in [0, 1] over the whole canvas (size, size)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    u = xx * math.cos(theta) + yy * math.sin(theta)
    v = -xx * math.sin(theta) + yy * math.cos(theta)
    if kind == 'stripes':
        return (np.sin(2 * math.pi * u / period + phase) > 0).astype(np.float32)
    if kind == 'diag':
        return (np.sin(2 * math.pi * (u + v) / period + phase) > 0.3).astype(np.float32)
    if kind == 'dots':
        du, dv = (u / period + phase) % 1 - 0.5, (v / period) % 1 - 0.5
        return ((du ** 2 + dv ** 2) < 0.09).astype(np.float32)
    if kind == 'checker':
        return ((np.floor(u / period * 2 + phase) + np.floor(v / period * 2)) % 2).astype(
            np.float32)
    if kind == 'waves':
        return (np.sin(2 * math.pi * u / period + 2.5 * np.sin(2 * math.pi * v / period) +
                       phase) > 0).astype(np.float32)
    if kind == 'rings':
        c = size / 2
        r = np.sqrt((xx - c) ** 2 + (yy - c) ** 2)
        return (np.sin(2 * math.pi * r / period + phase) > 0).astype(np.float32)
    if kind == 'grid':
        return (((u / period + phase) % 1 < 0.25) | ((v / period) % 1 < 0.25)).astype(
            np.float32)
    return np.full((size, size), 0.5, dtype=np.float32)  # 'solid'


def _part_polygon(cx, cy, w, h, angle, n=20, ellipse=True) -> List[Tuple[float, float]]:
    if ellipse:
        pts = [(0.5 * w * math.cos(t), 0.5 * h * math.sin(t))
               for t in np.linspace(0, 2 * math.pi, n, endpoint=False)]
    else:
        pts = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]


def _part_mask(part: str, cx, cy, w, h, angle, size: int) -> np.ndarray:
    img = Image.new('L', (size, size), 0)
    draw = ImageDraw.Draw(img)
    if part in ('horn', 'wing', 'fin'):
        a = math.radians(angle)
        pts = [(0, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)] if part == 'horn' else \
            [(-w / 2, -h / 2), (w / 2, 0), (-w / 2, h / 2)] if part == 'fin' else \
            [(-w / 2, h / 2), (w / 2, h / 2), (w * 0.1, -h / 2)]
        pts = [(cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a))
               for x, y in pts]
        draw.polygon(pts, fill=255)
    elif part == 'wheel':
        r = 0.5 * min(w, h)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
        ri = 0.3 * r
        draw.ellipse([cx - ri, cy - ri, cx + ri, cy + ri], fill=0)
    elif part in ('leg', 'tail'):
        draw.polygon(_part_polygon(cx, cy, h if part == 'leg' else w,
                                   w if part == 'leg' else h,
                                   angle + (90 if part == 'leg' else 0), ellipse=False),
                     fill=255)
    else:
        draw.polygon(_part_polygon(cx, cy, w, h, angle), fill=255)
    return np.asarray(img) > 127


class Painter:
    """Draws textured parts, objects and clutter onto a float RGB canvas.

    Args:
        rng (np.random.RandomState): The only source of randomness.
        size (int): Canvas side in pixels.
    """

    def __init__(self, rng: np.random.RandomState, size: int) -> None:
        self.rng = rng
        self.size = size

    def background(self) -> np.ndarray:
        """Low-frequency coloured noise plus faint texture, (size, size, 3) float."""
        rng, s = self.rng, self.size
        coarse = rng.uniform(20, 200, (4, 4, 3)).astype(np.float32)
        bg = np.asarray(Image.fromarray(coarse.astype(np.uint8)).resize((s, s), Image.BICUBIC),
                        dtype=np.float32)
        kind = rng.choice(['stripes', 'waves', 'checker', 'solid'])
        pattern = _texture(kind, s, rng.uniform(6, 20), rng.uniform(0, 6), rng.uniform(0, 3))
        bg = bg * (0.85 + 0.15 * pattern[..., None])
        return bg + rng.normal(0, 6, (s, s, 3)).astype(np.float32)

    def part(self, canvas: np.ndarray, part: str, box: Sequence[float], hue: float,
             scale: float) -> np.ndarray:
        """Paint one textured part; ``box`` = (cx, cy, w, h, angle) in pixels.

        Returns:
            np.ndarray: The part's boolean mask (size, size).
        """
        rng = self.rng
        mask = _part_mask(part, *box, size=self.size)
        if not mask.any():
            return mask
        light = hsv_to_rgb(hue, rng.uniform(0.45, 0.9), rng.uniform(0.75, 1.0))
        dark = hsv_to_rgb((hue + rng.uniform(-0.08, 0.08)) % 1, rng.uniform(0.5, 1.0),
                          rng.uniform(0.15, 0.4))
        period = max(2.5, rng.uniform(4, 7) * scale)
        pattern = _texture(PART_TEXTURES[part], self.size, period, rng.uniform(0, 6),
                           math.radians(box[4]) + rng.uniform(-0.3, 0.3))
        color = dark[None, None] + pattern[..., None] * (light - dark)[None, None]
        canvas[mask] = color[mask]
        return mask

    def obj(self, canvas: np.ndarray, cls: str, x0: float, y0: float, side: float,
            part_map: Optional[np.ndarray] = None) -> np.ndarray:
        """Paint object ``cls`` in the square box (x0, y0, side); returns its mask.

        Args:
            canvas (np.ndarray): (size, size, 3) float RGB canvas, painted in place.
            cls (str): Class name, a key of ``CLASS_PARTS``.
            x0 (float): Left of the object's box, pixels.
            y0 (float): Top of the object's box, pixels.
            side (float): Side of the object's box, pixels.
            part_map (np.ndarray, optional): (size, size) uint8 map that gets ``PART_IDS``
                of each part painted, in painting order (a later part overwrites).

        Returns:
            np.ndarray: The object's boolean mask (size, size), the union of its parts.
        """
        rng = self.rng
        flip = rng.rand() < 0.5
        sx, sy = side * rng.uniform(0.85, 1.15), side * rng.uniform(0.85, 1.15)
        hue = rng.rand()
        mask = np.zeros((self.size, self.size), bool)
        for part, cx, cy, w, h, angle in CLASS_PARTS[cls]:
            cx = cx + rng.uniform(-0.03, 0.03)
            cy = cy + rng.uniform(-0.03, 0.03)
            if flip:
                cx, angle = 1 - cx, -angle
            box = (x0 + cx * sx, y0 + cy * sy, w * sx * rng.uniform(0.85, 1.15),
                   h * sy * rng.uniform(0.85, 1.15), angle + rng.uniform(-10, 10))
            part_hue = (hue + rng.uniform(-0.06, 0.06)) % 1
            part_mask = self.part(canvas, part, box, part_hue, side / 48)
            if part_map is not None:  # no random numbers: the image stays the same
                part_map[part_mask] = PART_IDS[part]
            mask |= part_mask
        return mask

    def clutter(self, canvas: np.ndarray, n_parts: int, n_blobs: int) -> None:
        """Loose parts and plain blobs that belong to no object (background)."""
        rng, s = self.rng, self.size
        parts = list(PART_TEXTURES)
        for _ in range(n_parts):
            side = rng.uniform(0.1, 0.3) * s
            box = (rng.uniform(0, s), rng.uniform(0, s), side * rng.uniform(0.2, 0.6),
                   side * rng.uniform(0.2, 0.6), rng.uniform(-90, 90))
            self.part(canvas, parts[rng.randint(len(parts))], box, rng.rand(), side / 30)
        draw_img = Image.new('L', (s, s), 0)
        draw = ImageDraw.Draw(draw_img)
        for _ in range(n_blobs):
            x, y, r = rng.uniform(0, s), rng.uniform(0, s), rng.uniform(3, 0.12 * s)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=int(rng.randint(1, 255)))
        blob = np.asarray(draw_img)
        m = blob > 0
        if m.any():
            canvas[m] = (blob[m, None].astype(np.float32) / 255) * rng.uniform(40, 255, 3)


def make_cls_image(rng: np.random.RandomState, cls: str) -> np.ndarray:
    """One teacher-task image (64x64x3 uint8) of class ``cls`` on a cluttered background."""
    p = Painter(rng, CLS_SIZE)
    canvas = p.background()
    p.clutter(canvas, rng.randint(0, 4), rng.randint(0, 3))
    side = rng.uniform(0.45, 0.85) * CLS_SIZE
    x0 = rng.uniform(-0.05 * side, CLS_SIZE - 0.95 * side)
    y0 = rng.uniform(-0.05 * side, CLS_SIZE - 0.95 * side)
    p.obj(canvas, cls, x0, y0, side)
    return to_uint8(canvas)


def make_scene(rng: np.random.RandomState, max_objects: int = 3,
               part_map: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray, List[Tuple[int, List[int]]]]:
    """One student-task scene.

    Args:
        rng (np.random.RandomState): The only source of randomness.
        max_objects (int): Most objects in the scene. Defaults to 3.
        part_map (np.ndarray, optional): (128, 128) uint8 zeros; filled in place with
            ``PART_IDS`` of the objects' parts (0 elsewhere), amodal like the label map.
            Passing it draws no extra random numbers.

    Returns:
        tuple: image (128, 128, 3) uint8, label map (128, 128) uint8 with 0 = background
        and 1..4 = ``STUDENT_CLASSES``, and ``[(label 0..3, [x, y, w, h])]`` for each
        visible object.
    """
    s = SCENE_SIZE
    p = Painter(rng, s)
    canvas = p.background()
    p.clutter(canvas, rng.randint(2, 7), rng.randint(0, 4))
    label = np.zeros((s, s), np.uint8)
    placed: List[Tuple[float, float, float]] = []
    owners = np.full((s, s), -1, np.int16)
    labels = []
    for _ in range(rng.randint(1, max_objects + 1)):
        for _try in range(10):
            side = rng.uniform(0.22, 0.5) * s
            x0, y0 = rng.uniform(0, s - side), rng.uniform(0, s - side)
            if all(abs(x0 - a) > 0.6 * max(side, c) or abs(y0 - b) > 0.6 * max(side, c)
                   for a, b, c in placed):
                break
        else:
            continue
        placed.append((x0, y0, side))
        cls_id = int(rng.randint(len(STUDENT_CLASSES)))
        mask = p.obj(canvas, STUDENT_CLASSES[cls_id], x0, y0, side, part_map)
        owners[mask] = len(labels)
        labels.append(cls_id)
        label[mask] = cls_id + 1
    # At most one loose part in front of the objects: an occluder. Labels, part maps and
    # boxes stay amodal (the object's label is kept under it), as the zoo's results were
    # measured so.
    p.clutter(canvas, rng.randint(0, 2), 0)
    objects = []
    for idx, cls_id in enumerate(labels):
        ys, xs = np.nonzero(owners == idx)
        if len(xs) < 12:
            continue
        x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        objects.append((cls_id, [int(x1), int(y1), int(x2 - x1), int(y2 - y1)]))
    return to_uint8(canvas), label, objects


def write_dataset(out: str, seed: int = 0, counts: Optional[Dict[str, int]] = None) -> dict:
    """Write the whole dataset under ``out`` (replacing what is there).

    Args:
        out (str): Output folder.
        seed (int): Seed of the only random generator. Defaults to 0.
        counts (dict, optional): Overrides of ``COUNTS``: ``cls_train``/``cls_val``
            are images per teacher class; ``det_train``/``det_val``/``det_test`` are scenes.

    Returns:
        dict: The metadata also written to ``meta.json``.
    """
    def scene(rng: np.random.RandomState) -> tuple:
        part_map = np.zeros((SCENE_SIZE, SCENE_SIZE), np.uint8)
        img, label, objects = make_scene(rng, part_map=part_map)
        return img, label, objects, {'part_dir': part_map}

    return write_benchmark(
        out, seed, counts, 'ProC-Parts', TEACHER_CLASSES, STUDENT_CLASSES, make_cls_image,
        scene, CLS_SIZE, SCENE_SIZE, extra_dirs=('part_dir', ),
        extra_meta=dict(part_textures=PART_TEXTURES, part_ids=PART_IDS,
                        class_parts={c: sorted({p[0] for p in CLASS_PARTS[c]})
                                     for c in CLASS_PARTS}))
