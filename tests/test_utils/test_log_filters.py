# Copyright (c) procd_mm authors. All rights reserved.
import itertools
import logging
import warnings

import torch.nn as nn
from mmengine.logging import MMLogger, print_log
from mmengine.model import BaseModule

from procd_mm.utils import captured_warnings, quiet_init_summary
from procd_mm.utils.log_filters import PARAM_INIT_RECORD, UNCHANGED_INIT

_NAMES = itertools.count()


class Tiny(BaseModule):

    def __init__(self):
        super().__init__(init_cfg=None)
        self.a = nn.Linear(2, 2)
        self.b = nn.Linear(2, 2)


class Initialised(BaseModule):

    def __init__(self):
        super().__init__(init_cfg=dict(type='Constant', val=1.0, layer='Linear'))
        self.a = nn.Linear(2, 2)


class Records(logging.Handler):
    """Collects the messages that reach MMEngine's current logger's handlers."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def listen() -> Records:
    """A handler on a new current logger without a log file: an earlier test's runner may
    have left a current logger with a file handler, where mmengine writes its init summary
    to the file instead of one line per parameter."""
    handler = Records()
    logger = MMLogger.get_instance(f'test_log_filters_{next(_NAMES)}')  # now the current one
    assert MMLogger.get_current_instance() is logger
    logger.addHandler(handler)
    return handler


def test_init_summary_lines_are_silenced_and_nothing_else():
    handler = listen()
    logger = MMLogger.get_current_instance()
    try:
        Tiny().init_weights()  # without a log file: one line per unchanged parameter
        assert sum(UNCHANGED_INIT in m for m in handler.messages) == 4
        handler.messages.clear()
        with quiet_init_summary():
            Tiny().init_weights()
            print_log('a real warning', logger='current', level=logging.WARNING)
        assert handler.messages == ['a real warning']
        Tiny().init_weights()  # the filter ends with the block
        assert sum(UNCHANGED_INIT in m for m in handler.messages) == 4
    finally:
        logger.removeHandler(handler)


def test_captured_warnings_are_kept_not_printed():
    handler = listen()
    notes = []
    try:
        with captured_warnings(notes):
            print_log('Unsupported operator aten::add encountered 2 time(s)', logger='current',
                      level=logging.WARNING)
            print_log('Unsupported operator aten::add encountered 2 time(s)', logger='current',
                      level=logging.WARNING)
            print_log('just info', logger='current', level=logging.INFO)
            warnings.warn('a python warning')
        assert notes == ['Unsupported operator aten::add encountered 2 time(s)',
                         'UserWarning: a python warning']
        assert handler.messages == ['just info']  # below WARNING: printed as usual
        print_log('after', logger='current', level=logging.WARNING)
        assert handler.messages[-1] == 'after' and len(notes) == 2
    finally:
        MMLogger.get_current_instance().removeHandler(handler)


def test_records_of_initialised_parameters_are_silenced_too():
    handler = listen()
    logger = MMLogger.get_current_instance()
    try:
        Initialised().init_weights()  # one record per parameter (weight, bias)
        assert sum(bool(PARAM_INIT_RECORD.match(m)) for m in handler.messages) == 2
        handler.messages.clear()
        with quiet_init_summary():
            Initialised().init_weights()
        assert not any(PARAM_INIT_RECORD.match(m) for m in handler.messages)
        assert any('initialize Initialised' in m for m in handler.messages)  # the module's
    finally:
        logger.removeHandler(handler)
