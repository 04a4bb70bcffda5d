# Copyright (c) procd_mm authors. All rights reserved.
from .annotate import TITLE_HEIGHT, legend, title_strip, titled_row
from .prototypes import (assignment_picture, batch_images, label_map, overlay_assignment,
                         prototype_assignments, prototype_palette, prototype_pictures,
                         top_patches)

__all__ = [
    'TITLE_HEIGHT', 'legend', 'title_strip', 'titled_row', 'assignment_picture',
    'batch_images', 'label_map', 'overlay_assignment', 'prototype_assignments',
    'prototype_palette', 'prototype_pictures', 'top_patches'
]
