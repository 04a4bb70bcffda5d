# Copyright (c) procd_mm authors. All rights reserved.
"""The zoo's progress lines."""
import time


def log(msg: str) -> None:
    """Print one progress line with the wall clock.

    Args:
        msg (str): The message.
    """
    print(f'[zoo {time.strftime("%H:%M:%S")}] {msg}', flush=True)
