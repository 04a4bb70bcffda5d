# Copyright (c) procd_mm authors. All rights reserved.
from typing import Optional, Union

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from procd_mm.registry import HOOKS

DATA_BATCH = Optional[Union[dict, tuple, list]]


@HOOKS.register_module()
class PrototypeVisualizationHook(Hook):
    """Log prototype pictures to the runner's visualizer every ``interval`` iterations.

    On the current training batch (first ``max_images`` images) it draws what
    ``tools/analysis/visualize_prototypes.py`` writes: for each image, the image and the
    teacher's (``PrototypeHead`` assignment) and student's (``ProtoAugNeck`` attention)
    winning prototype per location, a colour per prototype, under panel titles and over a
    legend; and a grid of each prototype's top-activating patches. They go through ``runner.visualizer.add_image`` as
    ``prototypes_assignment_{i}`` and ``prototypes_top_patches`` (no ``/``: the local
    backend writes ``{name}_{step}.png`` into one folder), so every configured
    backend (``LocalVisBackend``, ``TensorboardVisBackend``, ...) receives them. The model
    runs in eval mode for the pictures (no BN statistics change) under ``no_grad``.

    Args:
        interval (int): Draw every this many training iterations. Defaults to 500.
        max_images (int): Images of the batch drawn. Defaults to 2.
        topk (int): Patches per prototype in the patch grid. Defaults to 4.
        patch_size (int): Side of a patch in the grid, in pixels. Defaults to 32.
        student_level (int): Augmented student level shown (0 = finest). Defaults to 0.
        bgr (bool): Whether the dataloader's images are BGR, as mmcv's ``LoadImageFromFile``
            gives them (mmdet, mmseg). Defaults to True.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 500,
                 max_images: int = 2,
                 topk: int = 4,
                 patch_size: int = 32,
                 student_level: int = 0,
                 bgr: bool = True) -> None:
        for key, value in dict(interval=interval, max_images=max_images, topk=topk,
                               patch_size=patch_size).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'PrototypeVisualizationHook.{key} must be an int >= 1, got '
                                 f'{value!r}')
        self.interval = interval
        self.max_images = max_images
        self.topk = topk
        self.patch_size = patch_size
        self.student_level = student_level
        self.bgr = bgr

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Draw and log the pictures every ``interval`` iterations."""
        if data_batch is None or not self.every_n_train_iters(runner, self.interval):
            return
        from procd_mm.visualization import batch_images, prototype_pictures
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, 'proto_head', None) is None or model.teacher is None:
            return  # not a distiller with the guided pass: no teacher assignment to draw
        batch = dict(data_batch)
        batch['inputs'] = list(batch['inputs'])[:self.max_images]
        if batch.get('data_samples') is not None:
            batch['data_samples'] = list(batch['data_samples'])[:self.max_images]
        inputs = model.data_preprocessor(batch, False)['inputs']
        pictures = prototype_pictures(
            model, inputs, batch_images(batch['inputs'], self.bgr), topk=self.topk,
            patch_size=self.patch_size, student_level=self.student_level)
        for name, picture in pictures.items():
            runner.visualizer.add_image(f'prototypes_{name}', picture, step=runner.iter + 1)
