# Copyright (c) procd_mm authors. All rights reserved.
"""One adapter per student family; importing a family's module registers it."""
from .base import (StudentAdapter, StudentProbe, adapter_class, build_adapter,
                   build_student, register_adapter, supported_students)
from .single_stage import SingleStageAdapter
from .two_stage import TwoStageAdapter
from .encoder_decoder import EncoderDecoderAdapter  # noqa: I100 (registration order)
from .rpn import RPNAdapter
from .panoptic_two_stage import PanopticTwoStageAdapter

__all__ = ['StudentAdapter', 'StudentProbe', 'adapter_class', 'build_adapter',
           'build_student', 'register_adapter',
           'supported_students', 'SingleStageAdapter', 'TwoStageAdapter',
           'EncoderDecoderAdapter', 'RPNAdapter', 'PanopticTwoStageAdapter']
