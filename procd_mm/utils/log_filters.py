# Copyright (c) procd_mm authors. All rights reserved.
"""Scoped filters on MMEngine's current logger, for tools whose output is a table."""
import logging
import re
import warnings
from contextlib import contextmanager
from typing import Iterator, List

from mmengine.logging import MMLogger

# Without a log file, mmengine's BaseModule.init_weights logs one record per parameter:
# "\n<name> - torch.Size([...]): \n<how it was initialised> \n ", e.g. "The value is the same
# before and after calling `init_weights`" or "Initialized by user-defined `init_weights` in
# TransformerEncoderLayer".
PARAM_INIT_RECORD = re.compile(r'^\n\S+ - torch\.Size\(\[[0-9, ]*\]\): \n')
UNCHANGED_INIT = 'The value is the same before and after calling `init_weights`'


class InitSummaryFilter(logging.Filter):
    """Drop mmengine's per-parameter initialisation records; every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is kept."""
        return PARAM_INIT_RECORD.match(record.getMessage()) is None


@contextmanager
def quiet_init_summary() -> Iterator[None]:
    """Silence mmengine's per-parameter initialisation records inside this block.

    Without a log file, ``BaseModule.init_weights`` logs one record per parameter (hundreds
    for a ViT teacher with random weights). The filter sits on the current MMLogger for the
    block only; warnings and every other message still print.
    """
    logger = MMLogger.get_current_instance()
    quiet = InitSummaryFilter()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


class _Collect(logging.Filter):
    """Keep the messages of records at ``level`` or above in ``messages``, and stop them."""

    def __init__(self, level: int, messages: List[str]) -> None:
        super().__init__()
        self.level = level
        self.messages = messages

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return True
        self.messages.append(record.getMessage())
        return False


@contextmanager
def captured_warnings(messages: List[str], level: int = logging.WARNING) -> Iterator[None]:
    """Collect the warnings raised inside this block into ``messages`` instead of printing
    them, so that a tool can print them after its table.

    Both the current MMLogger's records at ``level`` or above and Python ``warnings`` are
    collected, each message once, in order.

    Args:
        messages (list[str]): Where the messages go (appended).
        level (int): The lowest logging level collected. Defaults to ``logging.WARNING``.
    """
    logger = MMLogger.get_current_instance()
    collect = _Collect(level, messages)
    logger.addFilter(collect)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            yield
    finally:
        logger.removeFilter(collect)
    messages.extend(f'{w.category.__name__}: {w.message}' for w in caught)
    unique = list(dict.fromkeys(messages))
    messages[:] = unique
