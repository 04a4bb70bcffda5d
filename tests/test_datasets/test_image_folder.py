# Copyright (c) procd_mm authors. All rights reserved.
"""The unlabelled image folder: every image under it, sorted, nothing else; clear errors."""
import os

import pytest
import torch
from mm_testing import write_image_folder
from mmengine.dataset import pseudo_collate

from procd_mm.datasets import PackImageInputs, UnlabelledImageFolder


def test_every_image_under_the_folder_sorted(tmp_path):
    root = write_image_folder(str(tmp_path / 'images'))
    ds = UnlabelledImageFolder(data_root=root)
    paths = [ds.get_data_info(i)['img_path'] for i in range(len(ds))]
    assert len(paths) == 6 and paths == sorted(paths)  # README.txt left out
    assert any('nested' in p for p in paths) and any(p.endswith('.JPEG') for p in paths)
    sub = UnlabelledImageFolder(data_root=root, data_prefix=dict(img_path='part1'))
    assert len(sub) == 3


def test_pipeline_packs_images_for_the_preprocessor(tmp_path):
    root = write_image_folder(str(tmp_path / 'images'))
    ds = UnlabelledImageFolder(data_root=root, pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='mmpretrain.RandomResizedCrop', scale=32),
        dict(type='procd_mm.PackImageInputs')])
    batch = pseudo_collate([ds[0], ds[1]])
    assert set(batch) == {'inputs'}
    assert [x.shape for x in batch['inputs']] == [(3, 32, 32)] * 2
    assert batch['inputs'][0].dtype == torch.uint8
    gray = PackImageInputs()(dict(img=torch.zeros(5, 4, dtype=torch.uint8).numpy()))
    assert gray['inputs'].shape == (1, 5, 4)


def test_missing_or_empty_folder_and_ann_file_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        UnlabelledImageFolder(data_root=str(tmp_path / 'nowhere'))
    os.makedirs(tmp_path / 'empty')
    (tmp_path / 'empty' / 'notes.txt').write_text('x')
    with pytest.raises(FileNotFoundError, match=r'no image \(.jpg'):
        UnlabelledImageFolder(data_root=str(tmp_path / 'empty'))
    with pytest.raises(TypeError, match='takes no ann_file'):
        UnlabelledImageFolder(data_root=str(tmp_path), ann_file='train.json')
