# Copyright (c) procd_mm authors. All rights reserved.
from typing import Any


def strip_downloads_and_syncbn(cfg: Any) -> None:
    """Make a model config build offline in one process, in place.

    Drops ``init_cfg=dict(type='Pretrained', ...)``, an ``init_cfg`` naming a
    ``checkpoint`` (PVT reads it itself) and ``pretrained=...`` (nothing is
    downloaded) and turns ``SyncBN`` and mmcv's ``MMSyncBN`` into ``BN`` (no process group
    needed). Used by the
    benchmark and the tests; training configs keep their pretrained weights.

    Args:
        cfg (Any): A config dict (or list of them), walked recursively.
    """
    if isinstance(cfg, dict):
        init = cfg.get('init_cfg')
        if isinstance(init, dict) and (init.get('type') == 'Pretrained' or 'checkpoint' in init):
            cfg['init_cfg'] = None
        if 'pretrained' in cfg:
            cfg['pretrained'] = None
        if cfg.get('type') in ('SyncBN', 'MMSyncBN'):
            cfg['type'] = 'BN'
        for v in cfg.values():
            strip_downloads_and_syncbn(v)
    elif isinstance(cfg, (list, tuple)):
        for v in cfg:
            strip_downloads_and_syncbn(v)
