# Copyright (c) procd_mm authors. All rights reserved.
"""Panel titles and a colour legend for the prototype pictures (RGB uint8 arrays)."""
from typing import Sequence

import cv2
import numpy as np

TITLE_HEIGHT = 16  # pixels of the strip above each panel
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE, _BLACK = (255, 255, 255), (0, 0, 0)


def put_text(img: np.ndarray, text: str, x: int, y_base: int, max_width: int,
             height: int = TITLE_HEIGHT - 4, color=_BLACK) -> None:
    """Write ``text`` into ``img`` in place, shrunk to fit ``max_width`` and ``height``.

    Args:
        img (np.ndarray): (H, W, 3) uint8 picture.
        text (str): The text.
        x (int): Left edge.
        y_base (int): Baseline row.
        max_width (int): Widest the text may be, in pixels.
        height (int): Tallest the text may be, in pixels. Defaults to 12.
        color (tuple): RGB colour. Defaults to black.
    """
    (w, h), _ = cv2.getTextSize(text, _FONT, 1.0, 1)
    scale = min(height / max(h, 1), max_width / max(w, 1), 0.5)
    if scale * h >= 4:  # smaller text cannot be read: leave the space blank
        cv2.putText(img, text, (x, y_base), _FONT, scale, color, 1, cv2.LINE_AA)


def title_strip(width: int, text: str) -> np.ndarray:
    """A white (TITLE_HEIGHT, width, 3) strip with ``text`` on it.

    Args:
        width (int): Width of the strip.
        text (str): The title.

    Returns:
        np.ndarray: The strip, RGB uint8.
    """
    strip = np.full((TITLE_HEIGHT, width, 3), 255, dtype=np.uint8)
    put_text(strip, text, 2, TITLE_HEIGHT - 4, width - 4)
    return strip


def titled_row(panels: Sequence[np.ndarray], titles: Sequence[str],
               gap: int = 4) -> np.ndarray:
    """Panels of one height side by side, ``gap`` white columns apart, each under its
    title.

    Args:
        panels (Sequence[np.ndarray]): (H, W_i, 3) uint8 pictures.
        titles (Sequence[str]): One title per panel.
        gap (int): White columns between panels. Defaults to 4.

    Returns:
        np.ndarray: (TITLE_HEIGHT + H, sum W_i + gap * (n - 1), 3) uint8.
    """
    height = panels[0].shape[0]
    columns = []
    for i, (panel, title) in enumerate(zip(panels, titles)):
        if i:
            columns.append(np.full((TITLE_HEIGHT + height, gap, 3), 255, dtype=np.uint8))
        columns.append(np.concatenate([title_strip(panel.shape[1], title), panel], axis=0))
    return np.concatenate(columns, axis=1)


def legend(palette: np.ndarray, indices: Sequence[int], width: int,
           swatch: int = 10) -> np.ndarray:
    """A colour legend: a swatch and the index of each prototype in ``indices``, in rows
    of ``width`` pixels, under the title "prototypes".

    Args:
        palette (np.ndarray): (K, 3) uint8 RGB colours.
        indices (Sequence[int]): The prototypes to list.
        width (int): Width of the legend (the picture's).
        swatch (int): Side of a colour swatch. Defaults to 10.

    Returns:
        np.ndarray: (rows * TITLE_HEIGHT, width, 3) uint8 legend, white background.
    """
    entry = swatch + 4 + 8 * len(str(len(palette) - 1)) + 6  # swatch, index, space
    title = 'prototypes:'
    first = cv2.getTextSize(title, _FONT, 0.35, 1)[0][0] + 8
    places, x, row = [], first, 0
    for k in indices:
        if x + entry > width and x > 2:
            x, row = 2, row + 1
        places.append((k, x, row))
        x += entry
    out = np.full(((row + 1) * TITLE_HEIGHT, width, 3), 255, dtype=np.uint8)
    put_text(out, title, 2, TITLE_HEIGHT - 4, first - 6)
    for k, x, row in places:
        y0 = row * TITLE_HEIGHT + (TITLE_HEIGHT - swatch) // 2
        out[y0:y0 + swatch, x:x + swatch] = palette[k]
        put_text(out, str(k), x + swatch + 3, (row + 1) * TITLE_HEIGHT - 4,
                 entry - swatch - 6)
    return out
