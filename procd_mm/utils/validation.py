# Copyright (c) procd_mm authors. All rights reserved.
import math


def check_weight(value: float, key: str) -> float:
    """Validate a loss weight: a finite number >= 0.

    Args:
        value (float): The weight from the config.
        key (str): The config key, named in the error.

    Returns:
        float: The weight.
    """
    if isinstance(value, bool):
        raise TypeError(f'{key} must be a number >= 0, got {value!r}')
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f'{key} must be a number >= 0, got {value!r}') from None
    if not math.isfinite(v) or v < 0:
        raise ValueError(f'{key} must be a finite number >= 0, got {value!r}')
    return v
