# Copyright (c) procd_mm authors. All rights reserved.
"""Writing the zoo's markdown: a table's lines to a file and the terminal, and its cells."""
import os
import os.path as osp
from typing import List


def write_markdown(lines: List[str], out: str) -> None:
    """Print ``lines`` and, unless ``out`` is empty, write them to ``out``.

    Args:
        lines (list[str]): The markdown lines.
        out (str): The file to write ('' prints only).
    """
    if out:
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        with open(out, 'w') as f:
            f.write('\n'.join(lines))
    print('\n'.join(lines))


def fmt_params(n: int) -> str:
    """A parameter count in millions, e.g. ``11.18 M`` ('–' for none).

    Args:
        n (int): Number of parameters.

    Returns:
        str: The cell.
    """
    return f'{n / 1e6:.2f} M' if n else '–'
