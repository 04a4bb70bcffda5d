# Copyright (c) procd_mm authors. All rights reserved.
"""A folder of images without annotations, for distillation pretraining."""
import os
import os.path as osp
from typing import List, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

from procd_mm.registry import DATASETS, TRANSFORMS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


@DATASETS.register_module()
class UnlabelledImageFolder(BaseDataset):
    """Every image under ``data_root``/``data_prefix['img_path']`` (sub-folders included,
    sorted by path): no annotation file, no labels.

    Point it at a detection or segmentation dataset's image folder (``train2017/``,
    ``leftImg8bit/train``) or at any folder of images of the target domain.

    Args:
        data_root (str): The dataset root.
        data_prefix (dict): ``dict(img_path=...)``, the image folder under ``data_root``.
            Defaults to ``dict(img_path='')``.
        extensions (Sequence[str]): File endings taken (case-insensitive). Defaults to
            common image formats.
        **kwargs: ``pipeline``, ``indices``, ``serialize_data``, ``lazy_init``,
            ``max_refetch`` of mmengine's ``BaseDataset``.
    """

    def __init__(self,
                 data_root: str = '',
                 data_prefix: dict = dict(img_path=''),
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 **kwargs) -> None:
        if 'ann_file' in kwargs:
            raise TypeError('UnlabelledImageFolder takes no ann_file: it reads every image '
                            'under data_root/data_prefix.img_path')
        self.extensions = tuple(e.lower() for e in extensions)
        super().__init__(data_root=data_root, data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        """``dict(img_path=...)`` for each image file, sorted."""
        folder = self.data_prefix.get('img_path', '')
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'train_dataloader.dataset: the image folder {folder!r} (data_root + '
                "data_prefix['img_path']) does not exist")
        paths = []
        for root, dirs, files in os.walk(folder, followlinks=True):
            dirs.sort()
            paths += [osp.join(root, f) for f in sorted(files)
                      if f.lower().endswith(self.extensions)]
        if not paths:
            raise FileNotFoundError(
                f'train_dataloader.dataset: no image ({", ".join(self.extensions)}) under '
                f'{folder!r}')
        return [dict(img_path=p) for p in paths]


@TRANSFORMS.register_module()
class PackImageInputs(BaseTransform):
    """Pack a loaded image (H, W, C) into ``dict(inputs=Tensor (C, H, W))`` for
    ``ImgDataPreprocessor``; nothing else is kept (there are no labels)."""

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = img[..., None]
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))))
