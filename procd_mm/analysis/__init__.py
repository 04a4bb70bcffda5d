# Copyright (c) procd_mm authors. All rights reserved.
"""Diagnostics of trained distillers (the logic behind ``tools/analysis/``)."""
from .loading import load_trained_distiller
from .part_alignment import (alignment_metrics, baseline_rows, cell_targets, contingency,
                             evaluate_checkpoint, evaluate_part_alignment, format_table, nmi,
                             purity, scene_files, teacher_assignment)

__all__ = [
    'load_trained_distiller', 'alignment_metrics', 'baseline_rows', 'cell_targets',
    'contingency', 'evaluate_checkpoint', 'evaluate_part_alignment', 'format_table', 'nmi',
    'purity', 'scene_files', 'teacher_assignment'
]
