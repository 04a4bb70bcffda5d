# Copyright (c) procd_mm authors. All rights reserved.
"""Write ProC-Shapes: a small, deterministic cross-task dataset of silhouette shapes.

Every object is a flat silhouette whose class is defined by its outline only: the fill of
each object (solid, a linear gradient or smooth blotchy noise, in random colours) is drawn
from one shared set independently of its class, so neither texture nor colour is a class
cue, and the fills are smooth, so the outline is the only sharp edge an object has. The
teacher's task (classification, mmpretrain ``CustomDataset`` layout, 400 images per class)
has 10 shape classes (circle, triangle, square, semicircle, L-shape, diamond, heart, ring,
trapezoid, chevron); the students' tasks (detection in COCO json, semantic segmentation in
mmseg ``img_dir``/``ann_dir`` layout) have 4 *other* classes (star, cross, crescent, arrow),
so what transfers across tasks is outline knowledge: corners, straight edges, concavities,
holes and curvature. Each shape stands upright with a random tilt (at most ``MAX_TILT``
degrees), a random scale, mild aspect jitter and mild vertex jitter. Scenes hold 2 to 4
objects (side 24 to 64 px, log-uniform, in a 128 px scene), which may overlap: a later
object occludes an earlier one, placed so that every earlier object keeps at least half of
its area. Backgrounds are smooth colour fields (a base colour plus a few low-frequency
sinusoids) with distractors that belong to no class: thin random curves and small dots,
always behind the objects.

Labels are *modal*: a pixel of ``ann_dir`` holds the class of the object visible there (the
one painted last, where its anti-aliased coverage is at least one half), and a COCO box is
the tight box of an object's visible pixels. An object is placed only where it covers at
least ``MIN_VISIBLE`` pixels and leaves every earlier object at least ``MIN_VISIBLE`` pixels
and half of its area (otherwise another place is drawn, at most 10 times, then the object
is skipped); as a safety net, an object with fewer visible pixels would be dropped from the
boxes and its pixels set to 0 in ``ann_dir``. So in every scene the classes of the label
map are exactly the classes of its boxes, and every box holds at least ``MIN_VISIBLE``
pixels of its class.

Layout written under ``out``::

    cls/{train,val}/<class>/<n>.jpg        teacher task, 64x64, 10 classes
    cls/classes.txt
    scenes/img_dir/{train,val,test}/<n>.jpg             student tasks, 128x128
    scenes/ann_dir/{train,val,test}/<n>.png             0 = background, 1..4 = classes
    scenes/annotations/instances_{train,val,test}.json  COCO boxes, category ids 1..4
    meta.json                                           classes, fills, counts, seed

Usage::

    python tools/dataset_converters/make_procd_shapes.py --out data/procd_shapes [--seed 0]

Nothing is downloaded; the same seed writes byte-identical files.
"""
import math
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw

from .synthetic_writer import DEFAULT_COUNTS, hsv_to_rgb, to_uint8, write_benchmark

TEACHER_CLASSES = ('circle', 'triangle', 'square', 'semicircle', 'lshape', 'diamond', 'heart',
                   'ring', 'trapezoid', 'chevron')
STUDENT_CLASSES = ('star', 'cross', 'crescent', 'arrow')
# Fill patterns, shared by every class and drawn independently of it; all smooth.
FILLS = ('solid', 'gradient', 'noise')

CLS_SIZE = 64
SCENE_SIZE = 128
CLS_SIDE = (0.40, 0.85)  # teacher shape side, fraction of the image side
SCENE_SIDE = (24.0, 64.0)  # scene shape side in pixels (log-uniform)
SCENE_OBJECTS = (2, 4)  # objects per scene
MIN_VISIBLE = 20  # fewer visible pixels: the object is dropped
MIN_KEPT = 0.5  # an occluder may hide at most half of an earlier object's area
SUPERSAMPLE = 4  # anti-aliasing factor of the silhouettes
MAX_TILT = 25.0  # shapes stand upright, tilted by at most this many degrees
# The teacher's split is larger than ProC-Parts' (outlines take more examples to learn than
# colours and textures); the students' splits are the same size.
COUNTS = dict(DEFAULT_COUNTS, cls_train=400)

# A silhouette: polygons painted in order, (n, 2) points and True = fill, False = cut out.
Shape = List[Tuple[np.ndarray, bool]]


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 48) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _regular(n: int, start: float = -math.pi / 2) -> np.ndarray:
    t = start + np.arange(n) * 2 * math.pi / n
    return 0.5 * np.stack([np.cos(t), np.sin(t)], axis=1)


def _star(n: int, inner: float) -> np.ndarray:
    t = -math.pi / 2 + np.arange(2 * n) * math.pi / n
    r = np.where(np.arange(2 * n) % 2 == 0, 0.5, inner)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def outline(cls: str, rng: np.random.RandomState) -> Shape:
    """The canonical silhouette of ``cls``, with its per-instance proportions.

    Args:
        cls (str): A class of ``TEACHER_CLASSES`` or ``STUDENT_CLASSES``.
        rng (np.random.RandomState): Draws the proportions (hole size, arm width...).

    Returns:
        Shape: Polygons in a unit frame: the fill polygons' bounding box is centred at the
        origin and its longer side is 1.
    """
    if cls == 'circle':
        shape = [(_ellipse(0, 0, 0.5, 0.5), True)]
    elif cls == 'triangle':
        shape = [(_regular(3), True)]
    elif cls == 'square':
        shape = [(np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]), True)]
    elif cls == 'semicircle':
        t = np.linspace(0, math.pi, 25)
        shape = [(np.stack([0.5 * np.cos(t), -0.5 * np.sin(t)], axis=1), True)]
    elif cls == 'lshape':
        a = rng.uniform(0.3, 0.4)
        shape = [(np.array([(-0.5, -0.5), (-0.5 + a, -0.5), (-0.5 + a, 0.5 - a), (0.5, 0.5 - a),
                            (0.5, 0.5), (-0.5, 0.5)]), True)]
    elif cls == 'diamond':  # a rhombus clearly narrower than a square
        w = rng.uniform(0.22, 0.3)
        shape = [(np.array([(0, -0.5), (w, 0), (0, 0.5), (-w, 0)]), True)]
    elif cls == 'heart':
        t = np.linspace(0, 2 * math.pi, 48, endpoint=False)
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        shape = [(np.stack([16 * np.sin(t) ** 3, y], axis=1), True)]
    elif cls == 'ring':
        r = rng.uniform(0.24, 0.32)
        shape = [(_ellipse(0, 0, 0.5, 0.5), True), (_ellipse(0, 0, r, r), False)]
    elif cls == 'trapezoid':
        top, h = rng.uniform(0.16, 0.3), rng.uniform(0.28, 0.36)
        shape = [(np.array([(-0.5, h), (0.5, h), (top, -h), (-top, -h)]), True)]
    elif cls == 'chevron':
        t = rng.uniform(0.22, 0.32)
        shape = [(np.array([(-0.5, -0.3), (0, 0.2), (0.5, -0.3), (0.5, -0.3 + t),
                            (0, 0.2 + t), (-0.5, -0.3 + t)]), True)]
    elif cls == 'star':
        shape = [(_star(5, rng.uniform(0.19, 0.26)), True)]
    elif cls == 'cross':
        a = rng.uniform(0.14, 0.2)
        shape = [(np.array([(-a, -0.5), (a, -0.5), (a, -a), (0.5, -a), (0.5, a), (a, a),
                            (a, 0.5), (-a, 0.5), (-a, a), (-0.5, a), (-0.5, -a),
                            (-a, -a)]), True)]
    elif cls == 'crescent':
        r, dx = rng.uniform(0.36, 0.42), rng.uniform(0.2, 0.28)
        shape = [(_ellipse(0, 0, 0.5, 0.5), True), (_ellipse(dx, 0, r, r), False)]
    elif cls == 'arrow':
        h, head, length = rng.uniform(0.09, 0.14), rng.uniform(0.28, 0.36), \
            rng.uniform(0.3, 0.42)
        x = 0.5 - length
        shape = [(np.array([(-0.5, -h), (x, -h), (x, -head), (0.5, 0), (x, head), (x, h),
                            (-0.5, h)]), True)]
    else:
        raise KeyError(f'unknown shape class {cls!r}')
    pts = np.concatenate([p for p, fill in shape if fill])
    lo, hi = pts.min(0), pts.max(0)
    centre, scale = (lo + hi) / 2, 1 / (hi - lo).max()
    return [((p - centre) * scale, fill) for p, fill in shape]


def place(shape: Shape, rng: np.random.RandomState, cx: float, cy: float,
          side: float) -> Shape:
    """Jitter, scale, stretch and rotate a unit-frame silhouette onto the canvas.

    Args:
        shape (Shape): Polygons from :func:`outline`.
        rng (np.random.RandomState): Draws the vertex jitter, aspect and rotation.
        cx (float): Centre x on the canvas, pixels.
        cy (float): Centre y on the canvas, pixels.
        side (float): Longer side of the unjittered shape, pixels.

    Returns:
        Shape: The polygons in canvas pixels.
    """
    aspect = math.exp(rng.uniform(-0.1, 0.1))
    theta = math.radians(rng.uniform(-MAX_TILT, MAX_TILT))
    ca, sa = math.cos(theta), math.sin(theta)
    placed = []
    for pts, fill in shape:
        jitter = 0.03 if len(pts) <= 12 else 0.006  # corners move, smooth curves barely
        pts = pts + rng.uniform(-jitter, jitter, pts.shape)
        x, y = pts[:, 0] * side * aspect, pts[:, 1] * side / aspect
        placed.append((np.stack([cx + x * ca - y * sa, cy + x * sa + y * ca], axis=1), fill))
    return placed


def coverage(shape: Shape, size: int) -> Optional[Tuple[np.ndarray, Tuple[slice, slice]]]:
    """Anti-aliased coverage of a placed silhouette in its window of the canvas.

    Args:
        shape (Shape): Polygons in canvas pixels.
        size (int): Canvas side.

    Returns:
        tuple, optional: Coverage in [0, 1] of shape (h, w) and the window's
        ``(rows, cols)`` slices; None when the shape misses the canvas.
    """
    pts = np.concatenate([p for p, _ in shape])
    x0, y0 = (max(0, int(math.floor(v)) - 1) for v in pts.min(0))
    x1, y1 = (min(size, int(math.ceil(v)) + 1) for v in pts.max(0))
    if x1 <= x0 or y1 <= y0:
        return None
    k = SUPERSAMPLE
    img = Image.new('L', ((x1 - x0) * k, (y1 - y0) * k), 0)
    draw = ImageDraw.Draw(img)
    for p, fill in shape:
        draw.polygon([((x - x0) * k, (y - y0) * k) for x, y in p], fill=255 if fill else 0)
    alpha = np.asarray(img.resize((x1 - x0, y1 - y0), Image.BOX), np.float32) / 255
    return alpha, (slice(y0, y1), slice(x0, x1))


def fill_pattern(rng: np.random.RandomState, h: int, w: int) -> np.ndarray:
    """A fill drawn from ``FILLS`` in two random colours, whatever the class.

    Args:
        rng (np.random.RandomState): Draws the fill kind, colours and pattern geometry.
        h (int): Height of the window.
        w (int): Width of the window.

    Returns:
        np.ndarray: (h, w, 3) float RGB.
    """
    kind = FILLS[rng.randint(len(FILLS))]
    a = hsv_to_rgb(rng.rand(), rng.uniform(0.55, 1.0), rng.uniform(0.3, 1.0))
    b = hsv_to_rgb(rng.rand(), rng.uniform(0.55, 1.0), rng.uniform(0.3, 1.0))
    theta = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = xx * math.cos(theta) + yy * math.sin(theta)
    if kind == 'gradient':
        t = (u - u.min()) / max(float(u.max() - u.min()), 1.0)
    elif kind == 'noise':
        coarse = Image.fromarray(rng.randint(0, 256, (4, 4)).astype(np.uint8))
        t = np.asarray(coarse.resize((w, h), Image.BICUBIC), np.float32) / 255
    else:  # 'solid'
        t = np.zeros((h, w), np.float32)
    return a + t[..., None] * (b - a)


def background(rng: np.random.RandomState, size: int, n_lines: int,
               n_dots: int) -> np.ndarray:
    """A smooth colour field with distractor curves and dots that belong to no class.

    Args:
        rng (np.random.RandomState): The only source of randomness.
        size (int): Canvas side in pixels.
        n_lines (int): Thin random curves (quadratic Beziers, 1-2 px wide).
        n_dots (int): Small dots (radius 0.8-2.5 px).

    Returns:
        np.ndarray: (size, size, 3) float RGB.
    """
    base = hsv_to_rgb(rng.rand(), rng.uniform(0.1, 0.45), rng.uniform(0.4, 0.75))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    field = np.broadcast_to(base, (size, size, 3)).copy()
    for _ in range(3):  # low-frequency sinusoids, 0.5 to 2.5 periods across the image
        freq, theta, phase = rng.uniform(0.5, 2.5), rng.uniform(0, 2 * math.pi), rng.rand()
        wave = np.sin(2 * math.pi * (freq * (xx * math.cos(theta) + yy * math.sin(theta)) +
                                     phase))
        field += wave[..., None] * rng.uniform(-30, 30, 3).astype(np.float32)
    field += rng.normal(0, 3, (size, size, 3)).astype(np.float32)
    img = Image.fromarray(to_uint8(field))
    draw = ImageDraw.Draw(img)
    t = np.linspace(0, 1, 24)[:, None]
    for _ in range(n_lines):
        p0, p1, p2 = rng.uniform(-0.1 * size, 1.1 * size, (3, 2))
        curve = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2
        color = hsv_to_rgb(rng.rand(), rng.uniform(0.2, 1.0), rng.uniform(0.15, 1.0))
        draw.line([tuple(p) for p in curve], fill=tuple(int(c) for c in color),
                  width=int(rng.randint(1, 3)))
    for _ in range(n_dots):
        x, y, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(0.8, 2.5)
        color = hsv_to_rgb(rng.rand(), rng.uniform(0.2, 1.0), rng.uniform(0.15, 1.0))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(int(c) for c in color))
    return np.asarray(img, np.float32).copy()


def paint(canvas: np.ndarray, rng: np.random.RandomState, alpha: np.ndarray,
          window: Tuple[slice, slice]) -> None:
    """Paint a random fill through ``alpha`` into ``canvas[window]`` (in place).

    Args:
        canvas (np.ndarray): (H, W, 3) float RGB.
        rng (np.random.RandomState): Draws the fill.
        alpha (np.ndarray): (h, w) coverage in [0, 1].
        window (tuple[slice, slice]): Rows and columns of ``alpha`` in the canvas.
    """
    fill = fill_pattern(rng, *alpha.shape)
    a = alpha[..., None]
    canvas[window] = canvas[window] * (1 - a) + fill * a


def make_cls_image(rng: np.random.RandomState, cls: str) -> np.ndarray:
    """One teacher-task image (64x64x3 uint8): a shape of class ``cls`` on a background.

    Args:
        rng (np.random.RandomState): The only source of randomness.
        cls (str): A class of ``TEACHER_CLASSES``.

    Returns:
        np.ndarray: The image.
    """
    s = CLS_SIZE
    canvas = background(rng, s, rng.randint(0, 3), rng.randint(0, 4))
    side = rng.uniform(*CLS_SIDE) * s
    cx, cy = rng.uniform(0.45 * side, s - 0.45 * side, 2)
    cov = coverage(place(outline(cls, rng), rng, cx, cy, side), s)
    paint(canvas, rng, *cov)
    return to_uint8(canvas)


def make_scene(rng: np.random.RandomState, max_objects: int = SCENE_OBJECTS[1],
               owners: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray, List[Tuple[int, List[int]]]]:
    """One student-task scene.

    Args:
        rng (np.random.RandomState): The only source of randomness.
        max_objects (int): Most objects in the scene. Defaults to 4.
        owners (np.ndarray, optional): (128, 128) int array, filled in place with the index
            in the returned object list of the object visible at each pixel (-1 for none).
            Passing it draws no extra random numbers.

    Returns:
        tuple: image (128, 128, 3) uint8, modal label map (128, 128) uint8 with
        0 = background and 1..4 = ``STUDENT_CLASSES``, and ``[(label 0..3, [x, y, w, h])]``
        with the tight box of each kept object's visible pixels.
    """
    s = SCENE_SIZE
    canvas = background(rng, s, rng.randint(1, 5), rng.randint(2, 8))
    own = np.full((s, s), -1, np.int16)
    classes: List[int] = []
    areas: List[int] = []
    log_lo, log_hi = math.log(SCENE_SIDE[0]), math.log(SCENE_SIDE[1])
    for _ in range(rng.randint(SCENE_OBJECTS[0], max_objects + 1)):
        cls_id = int(rng.randint(len(STUDENT_CLASSES)))
        shape = outline(STUDENT_CLASSES[cls_id], rng)
        for _try in range(10):
            side = math.exp(rng.uniform(log_lo, log_hi))
            cx, cy = rng.uniform(0.4 * side, s - 0.4 * side, 2)
            cov = coverage(place(shape, rng, cx, cy, side), s)
            if cov is None:
                continue
            alpha, window = cov
            mask = alpha >= 0.5
            if mask.sum() < MIN_VISIBLE:
                continue
            # every earlier object keeps half of its area (and MIN_VISIBLE pixels)
            visible = np.bincount(own.ravel() + 1, minlength=len(classes) + 1)[1:]
            under = own[window][mask]
            hidden = np.bincount(under[under >= 0], minlength=len(classes))
            kept = visible - hidden
            if all(k >= max(MIN_VISIBLE, MIN_KEPT * a) for k, a in zip(kept, areas)):
                break
        else:
            continue
        paint(canvas, rng, alpha, window)
        own[window][mask] = len(classes)
        classes.append(cls_id)
        areas.append(int(mask.sum()))
    label = np.zeros((s, s), np.uint8)
    if owners is not None:
        owners[...] = -1
    objects = []
    for idx, cls_id in enumerate(classes):
        ys, xs = np.nonzero(own == idx)
        if len(xs) < MIN_VISIBLE:  # too little left to see: background in the labels too
            continue
        label[ys, xs] = cls_id + 1
        if owners is not None:
            owners[ys, xs] = len(objects)
        x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        objects.append((cls_id, [int(x1), int(y1), int(x2 - x1), int(y2 - y1)]))
    return to_uint8(canvas), label, objects


def write_dataset(out: str, seed: int = 0, counts: Optional[Dict[str, int]] = None) -> dict:
    """Write ProC-Shapes under ``out``; its ``cls`` and ``scenes`` folders are replaced.

    Args:
        out (str): Output folder.
        seed (int): The one random generator's seed. Defaults to 0.
        counts (dict, optional): Overrides of ``COUNTS`` (teacher images per class:
            ``cls_train``, ``cls_val``; scenes: ``det_train``, ``det_val``, ``det_test``).

    Returns:
        dict: What ``meta.json`` holds.
    """
    return write_benchmark(
        out, seed, dict(COUNTS, **(counts or {})), 'ProC-Shapes', TEACHER_CLASSES,
        STUDENT_CLASSES, make_cls_image, lambda rng: (*make_scene(rng), {}), CLS_SIZE, SCENE_SIZE,
        extra_meta=dict(fills=list(FILLS), cls_side=list(CLS_SIDE),
                        scene_side=list(SCENE_SIDE), scene_objects=list(SCENE_OBJECTS),
                        max_tilt=MAX_TILT,
                        min_visible=MIN_VISIBLE))
