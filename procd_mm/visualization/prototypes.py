# Copyright (c) procd_mm authors. All rights reserved.
"""Pictures of the prototypes: which prototype each location of the teacher and of the
student is assigned to, and each prototype's top-activating image patches.

Used by ``tools/analysis/visualize_prototypes.py`` and
:class:`procd_mm.engine.hooks.PrototypeVisualizationHook`. All pictures are RGB uint8.
"""
import colorsys
from typing import Dict, List, Sequence, Tuple

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .annotate import legend, put_text, title_strip, titled_row


def prototype_palette(num_prototypes: int) -> np.ndarray:
    """Distinct colours, one per prototype.

    Args:
        num_prototypes (int): Number of prototypes K.

    Returns:
        np.ndarray: (K, 3) uint8 RGB colours.
    """
    colours = []
    for k in range(num_prototypes):
        hue = (k * 0.618033988749895) % 1.0  # golden-ratio steps keep neighbours apart
        value = 1.0 if k % 2 == 0 else 0.7
        colours.append(colorsys.hsv_to_rgb(hue, 0.85, value))
    return (np.array(colours).reshape(-1, 3) * 255).round().astype(np.uint8)


def label_map(assignment: Tensor, pad_shape: Tuple[int, int],
              img_shape: Tuple[int, int]) -> np.ndarray:
    """The winning prototype of every pixel.

    Args:
        assignment (Tensor): Soft assignment of one image (K, h, w) over the padded input.
        pad_shape (tuple[int, int]): (H_pad, W_pad) of the network input.
        img_shape (tuple[int, int]): (H, W) of the image inside the padded input.

    Returns:
        np.ndarray: (H, W) int64 prototype indices.
    """
    labels = assignment.float().argmax(0)[None, None].float()
    labels = F.interpolate(labels, size=tuple(pad_shape), mode='nearest')[0, 0]
    return labels[:img_shape[0], :img_shape[1]].long().cpu().numpy()


def overlay_assignment(image: np.ndarray, labels: np.ndarray, palette: np.ndarray,
                       alpha: float = 0.5) -> np.ndarray:
    """Blend one colour per prototype over the image.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        labels (np.ndarray): (H, W) prototype index per pixel (:func:`label_map`).
        palette (np.ndarray): (K, 3) uint8 colours (:func:`prototype_palette`).
        alpha (float): Weight of the colours. Defaults to 0.5.

    Returns:
        np.ndarray: (H, W, 3) uint8 RGB picture.
    """
    colour = palette[labels].astype(np.float32)
    return (image.astype(np.float32) * (1 - alpha) + colour * alpha).round().astype(np.uint8)


def top_patches(images: Sequence[np.ndarray], assignments: Sequence[Tensor],
                pad_shapes: Sequence[Tuple[int, int]], palette: np.ndarray, topk: int = 4,
                patch_size: int = 32, context: float = 2.0) -> np.ndarray:
    """A grid of each prototype's top-activating image patches (one row per prototype).

    A location's score for prototype k is its soft assignment a_k; the patch is the image
    region around the location, ``context`` grid cells wide. Locations in the padding are
    skipped. Each row starts with the prototype's colour, its index written in the cell's
    top-left corner; empty cells stay grey. A title strip heads the grid.

    Args:
        images (Sequence[np.ndarray]): (H_i, W_i, 3) uint8 RGB images.
        assignments (Sequence[Tensor]): Teacher soft assignments, each (K, h_i, w_i).
        pad_shapes (Sequence[tuple[int, int]]): Padded input size of each image.
        palette (np.ndarray): (K, 3) colours.
        topk (int): Patches per prototype. Defaults to 4.
        patch_size (int): Side of each patch in the grid. Defaults to 32.
        context (float): Patch side in grid cells. Defaults to 2.0.

    Returns:
        np.ndarray: (TITLE_HEIGHT + K * (patch_size + 2), (topk + 1) * (patch_size + 2), 3)
        uint8 RGB grid.
    """
    num_protos = assignments[0].shape[0]
    scores, where = [], []
    for b, (img, a, pad) in enumerate(zip(images, assignments, pad_shapes)):
        _, h, w = a.shape
        sy, sx = pad[0] / h, pad[1] / w
        ys = (torch.arange(h, dtype=torch.float32) + 0.5) * sy
        xs = (torch.arange(w, dtype=torch.float32) + 0.5) * sx
        cy, cx = torch.meshgrid(ys, xs, indexing='ij')
        inside = (cy < img.shape[0]) & (cx < img.shape[1])
        s = a.float().cpu().masked_fill(~inside[None], -1.0).flatten(1)  # K, h*w
        scores.append(s)
        where.extend((b, float(y), float(x), sy, sx) for y, x in zip(cy.flatten(), cx.flatten()))
    scores = torch.cat(scores, dim=1)
    cell = patch_size + 2
    grid = np.full((num_protos * cell, (topk + 1) * cell, 3), 128, dtype=np.uint8)
    n = min(topk, scores.shape[1])
    top_val, top_idx = scores.topk(n, dim=1)
    for k in range(num_protos):
        grid[k * cell + 1:(k + 1) * cell - 1, 1:cell - 1] = palette[k]
        ink = (0, 0, 0) if int(palette[k].astype(int).sum()) > 382 else (255, 255, 255)
        put_text(grid, str(k), 2, k * cell + min(cell - 3, 11), cell // 2, height=8, color=ink)
        for j in range(n):
            if top_val[k, j] < 0:
                continue
            b, cy, cx, sy, sx = where[int(top_idx[k, j])]
            img = images[b]
            half_h, half_w = max(1.0, context * sy / 2), max(1.0, context * sx / 2)
            y0, y1 = int(max(0, cy - half_h)), int(min(img.shape[0], cy + half_h))
            x0, x1 = int(max(0, cx - half_w)), int(min(img.shape[1], cx + half_w))
            crop = mmcv.imresize(np.ascontiguousarray(img[y0:max(y1, y0 + 1),
                                                          x0:max(x1, x0 + 1)]),
                                 (patch_size, patch_size), interpolation='nearest')
            grid[k * cell + 1:(k + 1) * cell - 1,
                 (j + 1) * cell + 1:(j + 2) * cell - 1] = crop
    title = title_strip(grid.shape[1], f'top-{topk} patches')
    return np.concatenate([title, grid], axis=0)


def assignment_picture(image: np.ndarray, teacher: np.ndarray, student: np.ndarray,
                       palette: np.ndarray, alpha: float = 0.5,
                       student_level: int = 0) -> np.ndarray:
    """The image, the teacher's and the student's winning prototype per pixel, side by
    side under panel titles, over a legend of the prototypes that appear.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        teacher (np.ndarray): (H, W) teacher prototype per pixel (:func:`label_map`).
        student (np.ndarray): (H, W) student prototype per pixel.
        palette (np.ndarray): (K, 3) uint8 colours.
        alpha (float): Weight of the colours. Defaults to 0.5.
        student_level (int): The student level shown, named in its title. Defaults to 0.

    Returns:
        np.ndarray: (TITLE_HEIGHT + H + legend rows, 3 W + 8, 3) uint8 RGB picture: the
        panels start at columns 0, W + 4 and 2 W + 8, below the title strip.
    """
    row = titled_row(
        [image, overlay_assignment(image, teacher, palette, alpha),
         overlay_assignment(image, student, palette, alpha)],
        ['image', 'teacher: PrototypeHead', f'student: ProtoAugNeck L{student_level}'])
    used = np.union1d(np.unique(teacher), np.unique(student)).tolist()
    return np.concatenate([row, legend(palette, used, row.shape[1])], axis=0)


@torch.no_grad()
def prototype_assignments(model, inputs: Tensor,
                          student_level: int = 0) -> Tuple[Tensor, Tensor]:
    """Teacher and student soft assignments to the prototypes, in eval mode.

    Args:
        model (ProCDistiller): The (unwrapped) distiller, with its teacher.
        inputs (Tensor): Preprocessed images (B, 3, H_pad, W_pad).
        student_level (int): Which augmented student level to show (index into
            ``model.aug_levels``; 0 is the finest). Defaults to 0.

    Returns:
        tuple[Tensor, Tensor]: Teacher ``PrototypeHead`` assignment (B, K, h_t, w_t) and
        student ``ProtoAugNeck`` attention (B, K, h_s, w_s), both over the prototypes
        ``model.aug_neck.prototypes``.

    Raises:
        ValueError: The model has no teacher or no ``PrototypeHead`` (``guided=False``).
    """
    if getattr(model, 'proto_head', None) is None or model.teacher is None:
        raise ValueError('the prototype pictures need the teacher and the PrototypeHead of a '
                         'ProC-KD distiller built with model.guided=True')
    modules = list(model.modules())
    flags = [m.training for m in modules]
    model.eval()  # no BN statistics updates from the pictures
    try:
        teacher = model.proto_head(model.teacher_forward(inputs), model.aug_neck.prototypes)
        student = model.aug_neck.assignment(model.adapter.base_features(inputs))
    finally:
        for m, f in zip(modules, flags):
            m.training = f
    return teacher['assignment'], student[student_level]


def prototype_pictures(model, inputs: Tensor, images: Sequence[np.ndarray],
                       topk: int = 4, patch_size: int = 32, student_level: int = 0,
                       alpha: float = 0.5) -> Dict[str, np.ndarray]:
    """All prototype pictures of a batch.

    Args:
        model (ProCDistiller): The (unwrapped) distiller, with its teacher.
        inputs (Tensor): Preprocessed images (B, 3, H_pad, W_pad).
        images (Sequence[np.ndarray]): The B images as (H_i, W_i, 3) uint8 RGB, unpadded,
            at the size they have inside ``inputs``.
        topk (int): Patches per prototype in the patch grid. Defaults to 4.
        patch_size (int): Side of a patch in the grid. Defaults to 32.
        student_level (int): Augmented student level shown. Defaults to 0.
        alpha (float): Colour weight of the overlays. Defaults to 0.5.

    Returns:
        dict[str, np.ndarray]: ``assignment_{i}`` per image (:func:`assignment_picture`);
        ``top_patches`` the patch grid (:func:`top_patches`).
    """
    teacher, student = prototype_assignments(model, inputs, student_level)
    palette = prototype_palette(teacher.shape[1])
    pad = tuple(inputs.shape[-2:])
    pictures = {}
    for i, img in enumerate(images):
        shape = img.shape[:2]
        pictures[f'assignment_{i}'] = assignment_picture(
            img, label_map(teacher[i], pad, shape), label_map(student[i], pad, shape), palette,
            alpha, student_level)
    pictures['top_patches'] = top_patches(
        list(images), [teacher[i] for i in range(len(images))], [pad] * len(images), palette,
        topk=topk, patch_size=patch_size)
    return pictures


def batch_images(inputs: Sequence[Tensor], bgr: bool) -> List[np.ndarray]:
    """Raw dataloader images (3, H, W) uint8 as (H, W, 3) RGB arrays.

    Args:
        inputs (Sequence[Tensor]): Images as the dataloader yields them.
        bgr (bool): Whether they are BGR (mmdet/mmseg ``LoadImageFromFile``).
    """
    out = []
    for t in inputs:
        img = t.detach().cpu().permute(1, 2, 0).numpy()
        img = img[..., ::-1] if bgr else img
        out.append(np.ascontiguousarray(img).clip(0, 255).astype(np.uint8))
    return out
