# Copyright (c) procd_mm authors. All rights reserved.
from .prototypes import (batch_images, label_map, overlay_assignment, prototype_assignments,
                         prototype_palette, prototype_pictures, top_patches)

__all__ = [
    'batch_images', 'label_map', 'overlay_assignment', 'prototype_assignments',
    'prototype_palette', 'prototype_pictures', 'top_patches'
]
