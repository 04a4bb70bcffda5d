# Copyright (c) procd_mm authors. All rights reserved.
"""Do the prototypes capture object *parts*? A diagnostic on ProC-Parts scenes.

ProC-KD's premise is that its prototypes capture local, task-invariant object parts. On
the ProC-Parts student scenes (``tools/dataset_converters/make_procd_parts.py`` writes
per-pixel part maps in ``scenes/part_dir``) this module runs the frozen teacher and the
trained ``PrototypeHead`` on every image, takes the soft assignment ``a`` (B, K, h, w),
brings the label and part maps down to that grid and measures:

- on object locations: the NMI between the winning prototype (argmax_K a) and the part id,
  and purity (the share of object locations whose prototype's most frequent part is their
  part); the same against the object *class*, to tell part-alignment from
  class-alignment (a prototype per class would score high on class, low on part);
- background: the share of locations that are background, the per-prototype share of its
  soft mass on background, the fg/bg soft purity ``sum_k max(M_k^bg, M_k^fg) / M``
  (``M_k^bg`` = soft mass of prototype k summed over background locations; chance value
  ``max(share, 1 - share)``), the NMI between the winning prototype and object-vs-background
  on all locations, and the number of *object prototypes* (winning somewhere, with more
  than half their mass on object locations). The soft mass of *all* prototypes on
  background equals the background's share of locations by construction (the assignment
  sums to 1 at every location), so it is reported only as a check. Objects cover ~5% of a
  scene: most prototypes hold most of their mass on background even by chance, which is
  why object prototypes are counted, not background ones;
- the number of prototypes that win at least one location, and the perplexity of their
  usage (exp of the entropy of argmax counts: the "effective" number).

NMI is mutual information normalised by the *arithmetic mean* of the two entropies
(``2 I / (H_a + H_b)``, sklearn's default ``average_method='arithmetic'``), computed with
numpy (sklearn is not a dependency). NMI and purity both grow with the number of clusters
by chance on finite data, so every report has a chance row: the model's own assignment
vectors permuted at random across the split's locations (same prototype usage, no link to
image content), averaged over a few permutations. An optional second baseline draws an
independent random assignment over all K prototypes.

Downsampling to the assignment grid (``downsample``): the grid covers the *padded* network
input; pixel (y, x) falls in cell (floor(y h / H_pad), floor(x w / W_pad)). ``'majority'``
(the default): a cell is valid when at least half its pixels lie inside the image; it is an
object location when at least half its in-image pixels are object pixels, and then takes
the most frequent class and the most frequent part among its object pixels (ties: the
smaller id). ``'nearest'``: each cell takes the label and part at its centre pixel (invalid
when the centre lies in the padding).

Entry points: :func:`evaluate_part_alignment` (a built model and a scenes folder → the
result dict), :func:`evaluate_checkpoint` (config + checkpoint paths), the pure-numpy
:func:`alignment_metrics`, :func:`nmi`, :func:`purity`, :func:`cell_targets`, and
:func:`format_table`. ``tools/analysis/part_alignment.py`` is the command-line front.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

DOWNSAMPLE_MODES = ('majority', 'nearest')
# Scalar metrics of a row, in table order (the chance row averages these).
SCALAR_KEYS = ('nmi_part', 'purity_part', 'nmi_class', 'purity_class', 'nmi_objectness',
               'bg_soft_purity', 'num_used', 'num_used_objects', 'usage_perplexity',
               'num_object_prototypes')


# -- clustering metrics (numpy) ------------------------------------------------------------
def contingency(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Counts of every (predicted cluster, true label) pair that occurs.

    Args:
        pred (np.ndarray): (N,) integer cluster ids.
        truth (np.ndarray): (N,) integer labels.

    Returns:
        np.ndarray: (P, T) int64 counts, P and T the numbers of distinct values present.
    """
    pred, truth = np.asarray(pred).ravel(), np.asarray(truth).ravel()
    if pred.shape != truth.shape:
        raise ValueError(f'pred and truth must have the same length, got {pred.size} and '
                         f'{truth.size}')
    if pred.size == 0:
        raise ValueError('pred and truth are empty: no locations to compare')
    _, p = np.unique(pred, return_inverse=True)
    _, t = np.unique(truth, return_inverse=True)
    n_p, n_t = int(p.max()) + 1, int(t.max()) + 1
    return np.bincount(p * n_t + t, minlength=n_p * n_t).reshape(n_p, n_t)


def _entropy(counts: np.ndarray) -> float:
    """Shannon entropy (nats) of the distribution given by non-negative ``counts``."""
    p = counts[counts > 0].astype(np.float64)
    p = p / p.sum()
    return float(-(p * np.log(p)).sum())


def nmi(pred: np.ndarray, truth: np.ndarray) -> float:
    """Normalised mutual information, arithmetic-mean normalisation: ``2 I / (H_p + H_t)``.

    Same values as ``sklearn.metrics.normalized_mutual_info_score`` (its default): 1.0 when
    both sides hold a single value (identical trivial partitions), 0.0 when exactly one
    does.

    Args:
        pred (np.ndarray): (N,) integer cluster ids (e.g. the winning prototype).
        truth (np.ndarray): (N,) integer labels (e.g. the part id).

    Returns:
        float: NMI in [0, 1].
    """
    c = contingency(pred, truth)
    if c.shape == (1, 1):
        return 1.0
    n = c.sum()
    pij = c / n
    pi, pj = pij.sum(1, keepdims=True), pij.sum(0, keepdims=True)
    nz = pij > 0
    mi = float((pij[nz] * np.log(pij[nz] / (pi @ pj)[nz])).sum())
    denom = 0.5 * (_entropy(c.sum(1)) + _entropy(c.sum(0)))
    if mi <= 0 or denom <= 0:
        return 0.0
    return float(min(1.0, mi / denom))  # clip rounding above 1


def purity(pred: np.ndarray, truth: np.ndarray) -> float:
    """Share of samples whose cluster's most frequent label is their label.

    Args:
        pred (np.ndarray): (N,) integer cluster ids.
        truth (np.ndarray): (N,) integer labels.

    Returns:
        float: ``sum_k max_j n_kj / N`` in (0, 1].
    """
    c = contingency(pred, truth)
    return float(c.max(1).sum() / c.sum())


# -- targets on the assignment grid ---------------------------------------------------------
def cell_targets(label_map: np.ndarray, part_map: np.ndarray, pad_shape: Sequence[int],
                 grid_shape: Sequence[int], downsample: str = 'majority'
                 ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class and part of every assignment-grid cell (see the module docstring).

    Args:
        label_map (np.ndarray): (H, W) class map, 0 = background, 1.. = classes.
        part_map (np.ndarray): (H, W) part map, 0 = no part, 1.. = part ids.
        pad_shape (Sequence[int]): (H_pad, W_pad) of the network input, >= (H, W); the image
            sits at its top left (mmdet/mmseg pad bottom and right).
        grid_shape (Sequence[int]): (h, w) of the assignment.
        downsample (str): ``'majority'`` or ``'nearest'``. Defaults to ``'majority'``.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: class (h, w) int64 (0 = background),
        part (h, w) int64 (0 on background cells), valid (h, w) bool (cell inside the
        image).
    """
    label_map, part_map = np.asarray(label_map), np.asarray(part_map)
    if label_map.ndim != 2 or label_map.shape != part_map.shape:
        raise ValueError(f'label_map and part_map must be 2-D of the same shape, got '
                         f'{label_map.shape} and {part_map.shape}')
    H, W = label_map.shape
    Hp, Wp = (int(v) for v in pad_shape)
    h, w = (int(v) for v in grid_shape)
    if Hp < H or Wp < W:
        raise ValueError(f'pad_shape {tuple(pad_shape)} is smaller than the maps {(H, W)}')
    if not 0 < h <= Hp or not 0 < w <= Wp:
        raise ValueError(f'grid_shape {tuple(grid_shape)} must be within (1, 1) and '
                         f'pad_shape {(Hp, Wp)}')
    label_map, part_map = label_map.astype(np.int64), part_map.astype(np.int64)
    if downsample == 'nearest':
        cy = ((np.arange(h) + 0.5) * Hp / h).astype(np.int64)  # centre pixel of each cell
        cx = ((np.arange(w) + 0.5) * Wp / w).astype(np.int64)
        valid = (cy[:, None] < H) & (cx[None, :] < W)
        cyc, cxc = np.minimum(cy, H - 1), np.minimum(cx, W - 1)
        cls = np.where(valid, label_map[cyc[:, None], cxc[None, :]], 0)
        part = np.where(cls > 0, part_map[cyc[:, None], cxc[None, :]], 0)
        return cls, part, valid
    if downsample != 'majority':
        raise ValueError(f'downsample must be one of {DOWNSAMPLE_MODES}, got {downsample!r}')
    rows, cols = (np.arange(Hp) * h) // Hp, (np.arange(Wp) * w) // Wp
    n_cells = h * w
    total = np.bincount((rows[:, None] * w + cols[None, :]).ravel(), minlength=n_cells)
    cell = (rows[:H, None] * w + cols[None, :W]).ravel()
    inside = np.bincount(cell, minlength=n_cells)
    valid = 2 * inside >= total
    lab, prt = label_map.ravel(), part_map.ravel()
    obj = lab > 0
    n_obj = np.bincount(cell[obj], minlength=n_cells)
    is_obj = valid & (n_obj > 0) & (2 * n_obj >= inside)

    def majority(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
        n_val = int(values.max()) + 1 if values.size else 1
        counts = np.bincount(cell[keep] * n_val + values[keep], minlength=n_cells * n_val)
        counts = counts.reshape(n_cells, n_val)
        counts[:, 0] = -1  # the majority among object pixels only
        return counts.argmax(1)  # ties: the smaller id

    cls = np.where(is_obj, majority(lab, obj), 0)
    part = np.where(is_obj & (np.bincount(cell[prt > 0], minlength=n_cells) > 0),
                    majority(prt, prt > 0), 0)
    return cls.reshape(h, w), part.reshape(h, w), valid.reshape(h, w)


# -- the metrics of one assignment ----------------------------------------------------------
def alignment_metrics(assignment: np.ndarray, classes: np.ndarray,
                      parts: np.ndarray) -> Dict[str, object]:
    """Part/class alignment, background and usage statistics of one soft assignment.

    Args:
        assignment (np.ndarray): (N, K) soft assignment of N valid locations (rows sum to 1).
        classes (np.ndarray): (N,) class per location, 0 = background.
        parts (np.ndarray): (N,) part id per location, 0 = no part (background; object
            locations with part 0 are left out of the part metrics).

    Returns:
        dict: ``nmi_part``, ``purity_part``, ``nmi_class``, ``purity_class`` (None without
        object locations), ``bg_location_share``, ``bg_mass_share`` (equal to it by
        construction), ``bg_soft_purity``, ``bg_soft_purity_chance``, ``nmi_objectness``
        (winning prototype vs. object/background, all locations), ``bg_share_per_prototype``
        (K values, None for a prototype with no mass), ``num_object_prototypes`` (used
        prototypes with more than half their mass on object locations), ``num_used``,
        ``num_used_objects``, ``usage_perplexity``, ``num_locations``,
        ``num_object_locations``, ``num_prototypes``.
    """
    a = np.asarray(assignment, dtype=np.float64)
    classes, parts = np.asarray(classes).ravel(), np.asarray(parts).ravel()
    if a.ndim != 2 or a.shape[0] != classes.size or classes.shape != parts.shape:
        raise ValueError(f'assignment must be (N, K) with N = len(classes) = len(parts), got '
                         f'{a.shape}, {classes.shape}, {parts.shape}')
    if a.shape[0] == 0:
        raise ValueError('assignment has no locations')
    num_protos = a.shape[1]
    hard = a.argmax(1)
    obj = classes > 0
    obj_part = obj & (parts > 0)
    out: Dict[str, object] = dict(num_prototypes=num_protos, num_locations=int(a.shape[0]),
                                  num_object_locations=int(obj.sum()))
    out['nmi_part'] = nmi(hard[obj_part], parts[obj_part]) if obj_part.any() else None
    out['purity_part'] = purity(hard[obj_part], parts[obj_part]) if obj_part.any() else None
    out['nmi_class'] = nmi(hard[obj], classes[obj]) if obj.any() else None
    out['purity_class'] = purity(hard[obj], classes[obj]) if obj.any() else None

    bg = ~obj
    mass = a.sum(0)
    mass_bg = a[bg].sum(0)
    share = float(bg.mean())
    out['bg_location_share'] = share
    out['bg_mass_share'] = float(mass_bg.sum() / mass.sum())
    out['bg_soft_purity'] = float(np.maximum(mass_bg, mass - mass_bg).sum() / mass.sum())
    out['bg_soft_purity_chance'] = max(share, 1 - share)
    out['nmi_objectness'] = nmi(hard, obj)
    per_proto = np.divide(mass_bg, mass, out=np.full(num_protos, np.nan), where=mass > 0)
    out['bg_share_per_prototype'] = [None if np.isnan(v) else float(v) for v in per_proto]

    usage = np.bincount(hard, minlength=num_protos)
    used = usage > 0
    out['num_used'] = int(used.sum())
    out['num_used_objects'] = int(np.unique(hard[obj]).size)
    out['usage_perplexity'] = float(np.exp(_entropy(usage)))
    out['num_object_prototypes'] = int((used & (np.nan_to_num(per_proto, nan=1.0) < 0.5)).sum())
    return out


def baseline_rows(assignment: np.ndarray, classes: np.ndarray, parts: np.ndarray,
                  seed: int = 0, chance_repeats: int = 5, random_assignment: bool = False
                  ) -> Dict[str, Dict[str, object]]:
    """Chance rows for :func:`alignment_metrics` of ``assignment``.

    Args:
        assignment (np.ndarray): (N, K) the model's soft assignment.
        classes (np.ndarray): (N,) class per location.
        parts (np.ndarray): (N,) part per location.
        seed (int): Seed of the permutations and the random assignment. Defaults to 0.
        chance_repeats (int): Permutations averaged in the chance row. Defaults to 5.
        random_assignment (bool): Also a row for an independent random assignment over all
            K prototypes (argmax uniform). Defaults to False.

    Returns:
        dict: ``chance_shuffled`` (the means of ``SCALAR_KEYS`` over the permutations of the
        rows of ``assignment``: same usage, no link to the images) and, if asked,
        ``random_assignment`` (a full :func:`alignment_metrics` row).
    """
    if chance_repeats < 1:
        raise ValueError(f'chance_repeats must be >= 1, got {chance_repeats}')
    rng = np.random.RandomState(seed)
    runs = [alignment_metrics(assignment[rng.permutation(len(assignment))], classes, parts)
            for _ in range(chance_repeats)]
    chance: Dict[str, object] = {k: runs[0][k] for k in runs[0] if k not in SCALAR_KEYS}
    chance.pop('bg_share_per_prototype')
    for key in SCALAR_KEYS:
        values = [r[key] for r in runs if r[key] is not None]
        chance[key] = float(np.mean(values)) if values else None
    chance['chance_repeats'] = chance_repeats
    rows = dict(chance_shuffled=chance)
    if random_assignment:
        logits = rng.standard_normal(assignment.shape) / 0.1  # peaked, like a trained head
        logits -= logits.max(1, keepdims=True)
        soft = np.exp(logits)
        rows['random_assignment'] = alignment_metrics(soft / soft.sum(1, keepdims=True),
                                                      classes, parts)
    return rows


# -- running the model ----------------------------------------------------------------------
@torch.no_grad()
def teacher_assignment(model, inputs: Tensor) -> Tensor:
    """The ``PrototypeHead`` soft assignment on the teacher's maps, in eval mode.

    Args:
        model (ProCDistiller): The (unwrapped) distiller, with its teacher.
        inputs (Tensor): Images from the distiller's data preprocessor (B, 3, H_pad, W_pad).

    Returns:
        Tensor: (B, K, h, w) float32 on the CPU.
    """
    modules = list(model.modules())
    flags = [m.training for m in modules]
    model.eval()  # no BN statistics updates from the diagnostic
    try:
        out = model.proto_head(model.teacher_forward(inputs),
                               model.aug_neck.prototypes)['assignment']
    finally:
        for m, f in zip(modules, flags):
            m.training = f
    return out.float().cpu()


def scene_files(data_root: str, split: str) -> List[Tuple[str, str, str]]:
    """(image, label map, part map) paths of a ProC-Parts scenes split, sorted by name.

    Args:
        data_root (str): The ``scenes`` folder (holding ``img_dir``, ``ann_dir``,
            ``part_dir``).
        split (str): ``train``, ``val`` or ``test``.

    Returns:
        list[tuple[str, str, str]]: One triple per image.
    """
    img_dir = osp.join(data_root, 'img_dir', split)
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'data_root/img_dir/split = {img_dir!r} is not a folder: '
                                'data_root must be a ProC-Parts scenes folder')
    part_dir = osp.join(data_root, 'part_dir', split)
    if not osp.isdir(part_dir):
        raise FileNotFoundError(
            f'{part_dir!r} is missing: the data was written before part maps existed; '
            'regenerate it with tools/dataset_converters/make_procd_parts.py')
    names = sorted(f for f in os.listdir(img_dir) if f.endswith('.jpg'))
    if not names:
        raise FileNotFoundError(f'no .jpg images in {img_dir!r}')
    files = []
    for name in names:
        stem = osp.splitext(name)[0]
        ann = osp.join(data_root, 'ann_dir', split, stem + '.png')
        part = osp.join(part_dir, stem + '.png')
        for path in (ann, part):
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path!r} (the map of image {name!r}) is missing')
        files.append((osp.join(img_dir, name), ann, part))
    return files


def _read_map(path: str) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(path))


def evaluate_part_alignment(model, data_root: str, split: str = 'val', batch_size: int = 8,
                            downsample: str = 'majority', seed: int = 0,
                            chance_repeats: int = 5, random_assignment: bool = False,
                            max_images: Optional[int] = None) -> Dict[str, object]:
    """Part alignment of a distiller's prototypes on a ProC-Parts scenes split.

    Images are read as BGR (like mmdet/mmseg ``LoadImageFromFile``) at their own size and go
    through the distiller's ``data_preprocessor`` (colour order, normalisation, padding),
    then ``teacher_forward`` and ``proto_head``.

    Args:
        model (ProCDistiller): The (unwrapped) distiller, with its teacher; any device.
        data_root (str): The ProC-Parts ``scenes`` folder.
        split (str): Which split. Defaults to ``'val'``.
        batch_size (int): Images per forward. Defaults to 8.
        downsample (str): ``'majority'`` or ``'nearest'`` (module docstring). Defaults to
            ``'majority'``.
        seed (int): Seed of the chance rows. Defaults to 0.
        chance_repeats (int): Permutations averaged in the chance row. Defaults to 5.
        random_assignment (bool): Add the independent random-assignment row. Defaults to
            False.
        max_images (int, optional): Use only the first this many images (sorted by name).

    Returns:
        dict: ``split``, ``data_root``, ``num_images``, ``grid`` ([h, w] of the assignment),
        ``pad_shape``, ``downsample``, ``nmi_normalisation`` (``'arithmetic'``),
        ``num_prototypes`` and ``rows``: ``model`` (:func:`alignment_metrics`),
        ``chance_shuffled`` and optionally ``random_assignment``
        (:func:`baseline_rows`).
    """
    import mmcv
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    if downsample not in DOWNSAMPLE_MODES:
        raise ValueError(f'downsample must be one of {DOWNSAMPLE_MODES}, got {downsample!r}')
    files = scene_files(data_root, split)
    if max_images is not None:
        if max_images < 1:
            raise ValueError(f'max_images must be >= 1, got {max_images}')
        files = files[:max_images]
    flat_a: List[np.ndarray] = []
    flat_cls: List[np.ndarray] = []
    flat_part: List[np.ndarray] = []
    grid = pad = None
    batch: List[Tuple[np.ndarray, str, str]] = []

    def run(batch: List[Tuple[np.ndarray, str, str]]) -> None:
        nonlocal grid, pad
        tensors = [torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
                   for img, _, _ in batch]
        inputs = model.data_preprocessor(dict(inputs=tensors, data_samples=None),
                                         False)['inputs']
        assign = teacher_assignment(model, inputs).numpy()
        pad, grid = tuple(inputs.shape[-2:]), tuple(assign.shape[-2:])
        for a, (_, ann, part) in zip(assign, batch):
            cls, prt, valid = cell_targets(_read_map(ann), _read_map(part), pad, grid,
                                           downsample)
            flat_a.append(a.reshape(a.shape[0], -1).T[valid.ravel()])
            flat_cls.append(cls[valid])
            flat_part.append(prt[valid])

    for img_path, ann, part in files:
        img = mmcv.imread(img_path)
        if img is None:
            raise FileNotFoundError(f'image {img_path!r} could not be read')
        if batch and (len(batch) == batch_size or batch[0][0].shape != img.shape):
            run(batch)  # a batch holds one image size (test-mode preprocessors require it)
            batch = []
        batch.append((img, ann, part))
    if batch:
        run(batch)
    assignment = np.concatenate(flat_a)
    classes, parts = np.concatenate(flat_cls), np.concatenate(flat_part)
    rows = dict(model=alignment_metrics(assignment, classes, parts))
    rows.update(baseline_rows(assignment, classes, parts, seed, chance_repeats,
                              random_assignment))
    return dict(split=split, data_root=data_root, num_images=len(files), grid=list(grid),
                pad_shape=list(pad), downsample=downsample, nmi_normalisation='arithmetic',
                num_prototypes=int(assignment.shape[1]), rows=rows)


def evaluate_checkpoint(config: str, checkpoint: str, data_root: str, split: str = 'val',
                        cfg_options: Optional[dict] = None, device: str = 'cpu',
                        **kwargs) -> Dict[str, object]:
    """:func:`evaluate_part_alignment` of a distiller given by config and checkpoint paths.

    Args:
        config (str): ProC-KD distiller config path.
        checkpoint (str): The run's own checkpoint, read with
            :func:`procd_mm.utils.load_run_checkpoint` (the teacher comes from
            ``model.teacher_ckpt``).
        data_root (str): The ProC-Parts ``scenes`` folder.
        split (str): Which split. Defaults to ``'val'``.
        cfg_options (dict, optional): Config overrides.
        device (str): Where the model runs. Defaults to ``'cpu'``.
        **kwargs: Passed to :func:`evaluate_part_alignment`.

    Returns:
        dict: :func:`evaluate_part_alignment`'s result plus ``config`` and ``checkpoint``.
    """
    from .loading import load_trained_distiller
    scene_files(data_root, split)  # bad data fails before the model is built
    model = load_trained_distiller(config, checkpoint, cfg_options, device)
    result = evaluate_part_alignment(model, data_root, split, **kwargs)
    return dict(config=config, checkpoint=checkpoint, **result)


def format_table(result: Dict[str, object]) -> str:
    """A small text table of :func:`evaluate_part_alignment`'s rows.

    Args:
        result (dict): Its result.

    Returns:
        str: One header line, one line per row, and a line on the locations.
    """
    cols = [('NMI part', 'nmi_part', '{:.3f}'), ('purity part', 'purity_part', '{:.3f}'),
            ('NMI class', 'nmi_class', '{:.3f}'), ('purity class', 'purity_class', '{:.3f}'),
            ('NMI obj/bg', 'nmi_objectness', '{:.3f}'), ('bg purity', 'bg_soft_purity',
                                                         '{:.3f}'),
            ('used', 'num_used', '{:g}'), ('used obj', 'num_used_objects', '{:g}'),
            ('perplexity', 'usage_perplexity', '{:.1f}'),
            ('obj protos', 'num_object_prototypes', '{:g}')]
    rows = result['rows']
    name_w = max(len(n) for n in rows)
    lines = [' | '.join([' ' * name_w] + [c[0] for c in cols])]
    for name, row in rows.items():
        cells = [name.ljust(name_w)]
        for head, key, fmt in cols:
            value = row.get(key)
            text = '-' if value is None else fmt.format(value)
            cells.append(text.rjust(len(head)))
        lines.append(' | '.join(cells))
    m = rows['model']
    lines.append(
        f'{result["num_images"]} images, grid {result["grid"][0]}x{result["grid"][1]} '
        f'({result["downsample"]}), K={result["num_prototypes"]}: '
        f'{m["num_object_locations"]} object of {m["num_locations"]} locations; background '
        f'share {m["bg_location_share"]:.3f} (chance bg purity '
        f'{m["bg_soft_purity_chance"]:.3f}); NMI normalised by the arithmetic mean')
    return '\n'.join(lines)
