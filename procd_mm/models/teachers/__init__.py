# Copyright (c) procd_mm authors. All rights reserved.
from .checkpoint import load_teacher_checkpoint, teacher_weights_source
from .frozen_teacher import FrozenTeacher
from .holder import TeacherHolder
from .input_colour import student_colour, teacher_input_affine

__all__ = ['FrozenTeacher', 'TeacherHolder', 'load_teacher_checkpoint', 'teacher_weights_source',
           'student_colour', 'teacher_input_affine']
