# Copyright (c) procd_mm authors. All rights reserved.
"""What a zoo record says about where it came from: the code's commit and the digests of
the checkpoint files its model loaded."""
import hashlib
import os
import os.path as osp
import subprocess
from typing import Dict

from .benchmarks import map_config
from .catalogue import ROOT


def code_version(root: str = ROOT) -> str:
    """The checkout's commit, with ``-dirty`` when code or configs differ from it.

    Only ``procd_mm/``, ``configs/`` and ``tools/`` count: results and logs written into
    ``docs/`` during a run do not.

    Args:
        root (str): The checkout. Defaults to the one this package is in.

    Returns:
        str: e.g. ``b93b1f7`` or ``b93b1f7-dirty``; ``unknown`` outside git.
    """
    def git(*cmd):
        return subprocess.run(['git', *cmd], cwd=root, capture_output=True, text=True,
                              timeout=10)
    try:
        head = git('rev-parse', '--short', 'HEAD')
        if head.returncode != 0:
            return 'unknown'
        dirty = git('diff', '--quiet', 'HEAD', '--', 'procd_mm', 'configs', 'tools')
        return head.stdout.strip() + ('-dirty' if dirty.returncode == 1 else '')
    except (OSError, subprocess.SubprocessError):
        return 'unknown'


def run_code_version(opts, root: str = ROOT) -> str:
    """The :func:`code_version` a run records, taken when it starts.

    Args:
        opts (ZooOptions): The table's options (``allow_dirty``, ``quick``).
        root (str): The checkout.

    Returns:
        str: The code version.

    Raises:
        RuntimeError: The code differs from its commit and neither ``opts.allow_dirty`` nor
            ``opts.quick`` is set: a record must name the code that made it.
    """
    code = code_version(root)
    if code.endswith('-dirty') and not (opts.allow_dirty or opts.quick):
        raise RuntimeError(
            f'procd_mm/, configs/ or tools/ differ from commit {code[:-len("-dirty")]}: '
            'commit first, so that the record names the code that made it, or pass '
            '--allow-dirty (ZooOptions.allow_dirty)')
    return code


def file_digest(path: str) -> str:
    """The first 12 hex digits of the file's sha256.

    Args:
        path (str): The file.

    Returns:
        str: The digest.
    """
    with open(path, 'rb') as f:
        return hashlib.file_digest(f, 'sha256').hexdigest()[:12]


def checkpoint_digests(cfg, exclude: str) -> Dict[str, str]:
    """The :func:`file_digest` of every checkpoint file ``cfg.model`` loads (teacher,
    pretrained backbone).

    Paired runs can then be checked to share their pretrainings: another machine pretrains
    anew, and not bit for bit the same.

    Args:
        cfg (mmengine.Config): The run's config.
        exclude (str): A folder whose checkpoints are left out (the run's own, e.g. a
            first stage).

    Returns:
        dict: Digest by path (relative to the checkout when inside it).
    """
    found: Dict[str, str] = {}
    own = osp.abspath(exclude) + os.sep

    def visit(value):
        if isinstance(value, str) and value.endswith('.pth') and osp.isfile(value):
            path = osp.abspath(value)
            if not path.startswith(own):
                inside = path.startswith(ROOT + os.sep)
                found[osp.relpath(path, ROOT) if inside else path] = file_digest(path)
        return value

    map_config(cfg.model.to_dict(), visit)
    return found
