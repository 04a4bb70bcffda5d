# Copyright (c) procd_mm authors. All rights reserved.
"""Stage 1 of the pipeline: label-free distillation pretraining of a student's backbone."""
from .backbone_distiller import BackboneDistiller
from .objectives import (CosineSmoothL1Objective, DenseObjective, MLPMSEObjective,
                         PatchSimilarityKLObjective, PKDObjective,
                         PrototypeStructureObjective)

__all__ = ['BackboneDistiller', 'DenseObjective', 'PKDObjective', 'CosineSmoothL1Objective',
           'MLPMSEObjective', 'PatchSimilarityKLObjective', 'PrototypeStructureObjective']
