# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.datasets.procd_parts (and its command line,
tools/dataset_converters/make_procd_parts.py): determinism, formats, cross-task label spaces."""
import filecmp
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from zoo_testing import SMALL, tool_writes_the_same_files, write_small

from procd_mm.datasets import procd_parts as gen


@pytest.fixture(scope='module')
def parts(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('parts') / 'procd_parts')
    write_small(gen, root)
    return root


@pytest.mark.slow
def test_command_line_writes_the_same_files(parts, tmp_path):
    tool_writes_the_same_files('make_procd_parts.py', parts, tmp_path)


def _files(root):
    return sorted(osp.relpath(osp.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_layout_and_counts(parts):
    meta = json.load(open(osp.join(parts, 'meta.json')))
    assert meta['cls_images'] == dict(train=4 * 10, val=2 * 10)
    for split, n in (('train', 12), ('val', 4), ('test', 8)):
        assert len(os.listdir(osp.join(parts, 'scenes', 'img_dir', split))) == n
        assert len(os.listdir(osp.join(parts, 'scenes', 'ann_dir', split))) == n
    assert sorted(os.listdir(osp.join(parts, 'cls', 'train'))) == sorted(gen.TEACHER_CLASSES)


def test_same_seed_same_bytes_other_seed_differs(parts, tmp_path):
    again, other = str(tmp_path / 'again'), str(tmp_path / 'other')
    gen.write_dataset(again, seed=0, counts=SMALL)
    gen.write_dataset(other, seed=1, counts=SMALL)
    files = _files(parts)
    assert files == _files(again)
    _, mismatch, errors = filecmp.cmpfiles(parts, again, files, shallow=False)
    assert not mismatch and not errors
    _, mismatch, _ = filecmp.cmpfiles(parts, other, files, shallow=False)
    assert len(mismatch) > len(files) // 2


def test_label_spaces_differ_but_share_parts():
    teacher, student = set(gen.TEACHER_CLASSES), set(gen.STUDENT_CLASSES)
    assert not teacher & student
    teacher_parts = {p[0] for c in teacher for p in gen.CLASS_PARTS[c]}
    for cls in student:
        own = {p[0] for p in gen.CLASS_PARTS[cls]}
        assert own <= teacher_parts  # nothing the teacher never saw
        best = max(len(own & {p[0] for p in gen.CLASS_PARTS[t]}) for t in teacher)
        assert best >= 2, cls  # and a teacher class with at least two of its parts


def test_mmpretrain_custom_dataset_loads(parts):
    from mmengine.registry import init_default_scope
    from mmpretrain.datasets import CustomDataset
    init_default_scope('mmpretrain')  # the pipeline's types are mmpretrain's
    ds = CustomDataset(data_root=osp.join(parts, 'cls'), data_prefix='train',
                       classes=gen.TEACHER_CLASSES,
                       pipeline=[dict(type='LoadImageFromFile'), dict(type='PackInputs')])
    assert len(ds) == 40
    labels = sorted({ds.get_data_info(i)['gt_label'] for i in range(len(ds))})
    assert labels == list(range(10))
    assert ds[0]['inputs'].shape == (3, gen.CLS_SIZE, gen.CLS_SIZE)


def test_mmdet_coco_dataset_loads_and_boxes_cover_masks(parts):
    from mmdet.datasets import CocoDataset
    root = osp.join(parts, 'scenes')
    ds = CocoDataset(data_root=root, ann_file='annotations/instances_train.json',
                     data_prefix=dict(img='img_dir/train/'),
                     metainfo=dict(classes=gen.STUDENT_CLASSES), test_mode=True,
                     pipeline=[])
    assert len(ds) == 12
    n_boxes = 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        mask = np.asarray(Image.open(osp.join(
            root, 'ann_dir', 'train', osp.basename(info['img_path'])[:-4] + '.png')))
        for inst in info['instances']:
            x1, y1, x2, y2 = (int(round(v)) for v in inst['bbox'])
            assert 0 <= x1 < x2 <= gen.SCENE_SIZE and 0 <= y1 < y2 <= gen.SCENE_SIZE
            inside = mask[y1:y2, x1:x2] == inst['bbox_label'] + 1
            assert inside.sum() >= 12  # the box holds its object's pixels
            n_boxes += 1
    assert n_boxes >= 12


def test_mmseg_dataset_loads(parts):
    from mmseg.datasets import BaseSegDataset
    from mmseg.registry import TRANSFORMS  # noqa: F401  (registers the transforms)
    ds = BaseSegDataset(
        data_root=osp.join(parts, 'scenes'), img_suffix='.jpg', seg_map_suffix='.png',
        metainfo=dict(classes=('background', *gen.STUDENT_CLASSES)),
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=[dict(type='mmseg.LoadAnnotations')])
    assert len(ds) == 4
    values = set()
    for i in range(len(ds)):
        values |= set(np.unique(ds[i]['gt_seg_map']).tolist())
    assert 0 in values and values <= set(range(len(gen.STUDENT_CLASSES) + 1))
    assert len(values) >= 2


def test_part_masks_are_amodal_object_parts(parts):
    meta = json.load(open(osp.join(parts, 'meta.json')))
    assert meta['part_ids'] == {p: i + 1 for i, p in enumerate(gen.PART_TEXTURES)}
    assert list(gen.PART_TEXTURES)[:3] == ['body', 'head', 'leg']  # the documented order
    seen = set()
    for split, n in (('train', 12), ('val', 4), ('test', 8)):
        names = sorted(os.listdir(osp.join(parts, 'scenes', 'part_dir', split)))
        assert names == sorted(os.listdir(osp.join(parts, 'scenes', 'ann_dir', split)))
        assert len(names) == n
        for name in names:
            part = Image.open(osp.join(parts, 'scenes', 'part_dir', split, name))
            assert part.mode == 'L'
            part = np.asarray(part)
            label = np.asarray(Image.open(osp.join(parts, 'scenes', 'ann_dir', split, name)))
            assert part.shape == label.shape == (gen.SCENE_SIZE, gen.SCENE_SIZE)
            assert part.max() <= len(gen.PART_TEXTURES)
            # every object pixel has a part and every part pixel is an object pixel
            assert np.array_equal(part > 0, label > 0), (split, name)
            for cls_id in np.unique(label[label > 0]):  # each class shows several parts
                assert len(np.unique(part[label == cls_id])) >= 2, (split, name, cls_id)
            seen |= set(np.unique(part).tolist())
    assert len(seen - {0}) >= 5  # most of the vocabulary occurs in the scenes


def test_part_map_draws_no_random_numbers():
    """Writing the part maps leaves the images, labels and boxes of a seed unchanged."""
    plain_rng, parts_rng = np.random.RandomState(3), np.random.RandomState(3)
    for _ in range(4):
        img, label, objects = gen.make_scene(plain_rng)
        part_map = np.zeros(label.shape, np.uint8)
        img2, label2, objects2 = gen.make_scene(parts_rng, part_map=part_map)
        assert np.array_equal(img, img2) and np.array_equal(label, label2)
        assert objects == objects2
        assert np.array_equal(part_map > 0, label > 0)
    assert plain_rng.randint(1 << 30) == parts_rng.randint(1 << 30)  # same stream position
