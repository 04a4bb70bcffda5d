# Copyright (c) procd_mm authors. All rights reserved.
from .feature_aligner import FeatureAligner
from .proto_aug_neck import ProtoAugNeck

__all__ = ['FeatureAligner', 'ProtoAugNeck']
