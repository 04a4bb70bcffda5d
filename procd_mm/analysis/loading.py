# Copyright (c) procd_mm authors. All rights reserved.
"""Build a trained ProC-KD distiller from its config and checkpoint, for analysis tools."""
from typing import Optional, Union

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_checkpoint
from mmengine.utils import import_modules_from_strings


def load_trained_distiller(cfg: Union[str, Config], checkpoint: str, trusted: bool = False,
                           cfg_options: Optional[dict] = None, device: str = 'cpu'):
    """The distiller of ``cfg`` with ``checkpoint``'s trainable weights, in eval mode.

    The teacher is built from the config and loaded from ``model.teacher_ckpt`` (distiller
    checkpoints do not hold it), then ``checkpoint`` is loaded strictly. Used by the tools
    under ``tools/analysis/``.

    Args:
        cfg (str | Config): A ``procd_mm.ProCDistiller`` config or its path.
        checkpoint (str): The distiller checkpoint, read weights-only unless ``trusted``.
        trusted (bool): Allow full unpickling of ``checkpoint`` (a training runner's own
            checkpoint holds its message hub, which safe loading refuses). Only for files
            your own run wrote. Defaults to False.
        cfg_options (dict, optional): Overrides merged into the config (``key=value``).
        device (str): Where the model goes. Defaults to ``'cpu'``.

    Returns:
        ProCDistiller: The model, in eval mode on ``device``.

    Raises:
        TypeError: The config's model has no ``proto_head`` (not a ProC-KD distiller).
        UnsafeCheckpointError: Safe loading refused ``checkpoint``; the message says to pass
            ``--trusted``.
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
    from procd_mm.utils.checkpoint import UnsafeCheckpointError, trusted_checkpoints
    model = MODELS.build(cfg.model)
    if not hasattr(model, 'proto_head'):
        raise TypeError(f'model.type={cfg.model.type!r} has no prototypes; a '
                        'procd_mm.ProCDistiller config is needed')
    if trusted:
        with trusted_checkpoints():
            load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    else:
        try:
            load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
        except UnsafeCheckpointError:
            # the library's advice (re-save, runner_type) does not fit a tool: --trusted does
            raise UnsafeCheckpointError(
                f'CKPT {checkpoint!r} holds pickled objects beyond tensors (a checkpoint saved '
                'by the training runner holds its message hub), so it was refused by safe '
                'loading (torch.load(weights_only=True)). Pass --trusted (trusted=True) for a '
                'checkpoint your own run wrote; never for a file from elsewhere (unpickling '
                'can run code).') from None
    return model.to(device).eval()
