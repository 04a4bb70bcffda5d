# Copyright (c) procd_mm authors. All rights reserved.
"""Build a trained ProC-KD distiller from its config and checkpoint, for analysis tools."""
from typing import Optional, Union

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict
from mmengine.utils import import_modules_from_strings

from procd_mm.utils.checkpoint import load_run_checkpoint, revised_state_dict


def load_trained_distiller(cfg: Union[str, Config], checkpoint: str,
                           cfg_options: Optional[dict] = None, device: str = 'cpu'):
    """The distiller of ``cfg`` with ``checkpoint``'s trainable weights, in eval mode.

    The teacher is built from the config and loaded from ``model.teacher_ckpt`` (distiller
    checkpoints do not hold it), then ``checkpoint`` is loaded strictly. Used by the tools
    under ``tools/analysis/``.

    Args:
        cfg (str | Config): A ``procd_mm.ProCDistiller`` config or its path.
        checkpoint (str): The run's own checkpoint, read as ``tools/test.py`` and resuming
            read it (:func:`procd_mm.utils.load_run_checkpoint`, full unpickling): pass
            only checkpoints you trust.
        cfg_options (dict, optional): Overrides merged into the config (``key=value``).
        device (str): Where the model goes. Defaults to ``'cpu'``.

    Returns:
        ProCDistiller: The model, in eval mode on ``device``.

    Raises:
        TypeError: The config's model has no ``proto_head`` (not a ProC-KD distiller).
        RuntimeError: The checkpoint's keys do not match the model's.
    """
    if not isinstance(cfg, Config):
        cfg = Config.fromfile(cfg)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'procd_mm'))
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg.custom_imports)
    import procd_mm.models  # noqa: F401  registers the distillers
    from procd_mm.registry import MODELS
    model = MODELS.build(cfg.model)
    if getattr(model, 'proto_head', None) is None:
        raise TypeError(f'model.type={cfg.model.type!r} has no PrototypeHead; a '
                        'procd_mm.ProCDistiller config with model.guided=True is needed')
    ckpt = load_run_checkpoint(checkpoint, map_location='cpu')
    load_state_dict(model, revised_state_dict(ckpt.get('state_dict', ckpt)), strict=True)
    return model.to(device).eval()
