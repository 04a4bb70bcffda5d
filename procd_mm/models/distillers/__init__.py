# Copyright (c) procd_mm authors. All rights reserved.
from .base_distiller import TeacherStudentDistiller
from .feature_distiller import FeatureDistiller
from .procd_distiller import ProCDistiller

__all__ = ['TeacherStudentDistiller', 'ProCDistiller', 'FeatureDistiller']
