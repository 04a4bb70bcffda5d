# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.datasets.procd_shapes (and its command line,
tools/dataset_converters/make_procd_shapes.py): layout, determinism, modal labels, no colour
cue."""
import filecmp
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from zoo_testing import SMALL, tool_writes_the_same_files, write_small

from procd_mm.datasets import procd_shapes as gen
from procd_mm.datasets import synthetic_writer as sw
SPLITS = (('train', SMALL['det_train']), ('val', SMALL['det_val']), ('test', SMALL['det_test']))


@pytest.fixture(scope='module')
def shapes(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('shapes') / 'procd_shapes')
    write_small(gen, root)
    return root


@pytest.mark.slow
def test_command_line_writes_the_same_files(shapes, tmp_path):
    tool_writes_the_same_files('make_procd_shapes.py', shapes, tmp_path)


def _files(root):
    return sorted(osp.relpath(osp.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def _scenes(root):
    """(split, name, image, label map, [(category id, [x, y, w, h])]) of every scene."""
    for split, _ in SPLITS:
        coco = json.load(open(osp.join(root, 'scenes', 'annotations', f'instances_{split}.json')))
        boxes = {im['id']: [] for im in coco['images']}
        for ann in coco['annotations']:
            boxes[ann['image_id']].append((ann['category_id'], ann['bbox']))
        for im in coco['images']:
            name = im['file_name'][:-4]
            img = np.asarray(Image.open(osp.join(root, 'scenes', 'img_dir', split,
                                                 name + '.jpg')))
            label = Image.open(osp.join(root, 'scenes', 'ann_dir', split, name + '.png'))
            assert label.mode == 'L'
            yield split, name, img, np.asarray(label), boxes[im['id']]


def test_layout_and_meta(shapes):
    meta = json.load(open(osp.join(shapes, 'meta.json')))
    assert meta['name'] == 'ProC-Shapes' and meta['seed'] == 0
    assert meta['counts'] == dict(gen.DEFAULT_COUNTS, **SMALL)
    assert meta['teacher_classes'] == list(gen.TEACHER_CLASSES)
    assert meta['student_classes'] == list(gen.STUDENT_CLASSES)
    assert len(gen.TEACHER_CLASSES) == 10 and len(gen.STUDENT_CLASSES) == 4
    assert not set(gen.TEACHER_CLASSES) & set(gen.STUDENT_CLASSES)
    assert meta['cls_size'] == 64 and meta['scene_size'] == 128
    assert meta['cls_images'] == dict(train=SMALL['cls_train'] * 10, val=SMALL['cls_val'] * 10)
    assert sorted(os.listdir(osp.join(shapes, 'scenes'))) == ['ann_dir', 'annotations',
                                                              'img_dir']  # no part_dir
    with open(osp.join(shapes, 'cls', 'classes.txt')) as f:
        assert f.read().split('\n')[:-1] == list(gen.TEACHER_CLASSES)
    for split in ('train', 'val'):
        assert sorted(os.listdir(osp.join(shapes, 'cls', split))) == sorted(gen.TEACHER_CLASSES)
        for cls in gen.TEACHER_CLASSES:  # every teacher class, with its images
            names = sorted(os.listdir(osp.join(shapes, 'cls', split, cls)))
            assert names == [f'{i:04d}.jpg' for i in range(SMALL[f'cls_{split}'])]
    img = Image.open(osp.join(shapes, 'cls', 'train', 'ring', '0000.jpg'))
    assert img.mode == 'RGB' and img.size == (64, 64)
    for split, n in SPLITS:
        coco = json.load(open(osp.join(shapes, 'scenes', 'annotations',
                                       f'instances_{split}.json')))
        assert meta['scenes'][split] == dict(images=n, objects=len(coco['annotations']))
        assert [c['id'] for c in coco['categories']] == [1, 2, 3, 4]
        assert [c['name'] for c in coco['categories']] == list(gen.STUDENT_CLASSES)
        for sub in ('img_dir', 'ann_dir'):
            assert len(os.listdir(osp.join(shapes, 'scenes', sub, split))) == n


def test_same_seed_same_bytes_other_seed_differs(shapes, tmp_path):
    again, other = str(tmp_path / 'again'), str(tmp_path / 'other')
    gen.write_dataset(again, seed=0, counts=SMALL)
    gen.write_dataset(other, seed=1, counts=SMALL)
    files = _files(shapes)
    assert files == _files(again)
    _, mismatch, errors = filecmp.cmpfiles(shapes, again, files, shallow=False)
    assert not mismatch and not errors
    _, mismatch, _ = filecmp.cmpfiles(shapes, other, files, shallow=False)
    assert len(mismatch) > len(files) // 2


def test_modal_labels_match_boxes(shapes):
    s, seen, sides, n_objects = gen.SCENE_SIZE, set(), [], []
    for split, name, img, label, boxes in _scenes(shapes):
        key = (split, name)
        assert img.shape == (s, s, 3) and label.shape == (s, s) and label.dtype == np.uint8
        assert label.max() <= len(gen.STUDENT_CLASSES)
        # the classes of the label map are exactly those of the boxes
        assert set(np.unique(label[label > 0]).tolist()) == {c for c, _ in boxes}, key
        covered = np.zeros((s, s), bool)
        for cat, (x, y, w, h) in boxes:
            assert 1 <= cat <= 4 and w > 0 and h > 0
            assert 0 <= x and x + w <= s and 0 <= y and y + h <= s, key
            assert (label[y:y + h, x:x + w] == cat).sum() >= gen.MIN_VISIBLE, key
            covered[y:y + h, x:x + w] |= label[y:y + h, x:x + w] == cat
            sides.append(max(w, h))
        assert np.array_equal(covered, label > 0), key  # each label pixel is in a box of its class
        for cat in {c for c, _ in boxes}:  # a class seen once: its box is the pixels' tight box
            own = [b for c, b in boxes if c == cat]
            if len(own) == 1:
                ys, xs = np.nonzero(label == cat)
                assert own[0] == [xs.min(), ys.min(), xs.max() + 1 - xs.min(),
                                  ys.max() + 1 - ys.min()], key
        n_objects.append(len(boxes))
        seen |= {c for c, _ in boxes}
    assert seen == {1, 2, 3, 4}  # every student class occurs
    assert max(n_objects) <= gen.SCENE_OBJECTS[1] and min(n_objects) >= 1
    assert np.mean(n_objects) >= 2.5
    assert np.median(sides) < 45 and min(sides) <= 24  # smaller than ProC-Parts' 28-64 px


def test_owners_draw_no_random_numbers_and_match_labels():
    plain_rng, owners_rng = np.random.RandomState(5), np.random.RandomState(5)
    overlaps = 0
    for _ in range(6):
        img, label, objects = gen.make_scene(plain_rng)
        owners = np.zeros(label.shape, np.int16)
        img2, label2, objects2 = gen.make_scene(owners_rng, owners=owners)
        assert np.array_equal(img, img2) and np.array_equal(label, label2)
        assert objects == objects2
        assert np.array_equal(owners >= 0, label > 0)
        for k, (cls_id, (x, y, w, h)) in enumerate(objects):
            ys, xs = np.nonzero(owners == k)
            assert len(xs) >= gen.MIN_VISIBLE and (label[ys, xs] == cls_id + 1).all()
            assert [xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()] == \
                [x, y, w, h]  # the tight box of the visible pixels
            for x2, y2, w2, h2 in (b for _, b in objects[k + 1:]):
                overlaps += x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h
    assert plain_rng.randint(1 << 30) == owners_rng.randint(1 << 30)  # same stream position
    assert overlaps > 0  # objects may overlap


def test_every_outline_is_a_distinct_silhouette():
    rng = np.random.RandomState(0)
    masks = {}
    for cls in gen.TEACHER_CLASSES + gen.STUDENT_CLASSES:
        shape = gen.outline(cls, rng)
        pts = np.concatenate([p for p, fill in shape if fill])
        assert np.allclose(np.ptp(pts, 0).max(), 1) and np.allclose(pts.min(0) + pts.max(0), 0)
        alpha, window = gen.coverage([(p * 40 + 24, fill) for p, fill in shape], 48)
        masks[cls] = np.zeros((48, 48), bool)
        masks[cls][window] = alpha >= 0.5
        assert masks[cls].sum() > 150, cls
    assert masks['ring'][23:26, 23:26].sum() == 0  # the hole
    names = list(masks)
    for i, a in enumerate(names):  # no two classes share an outline
        for b in names[i + 1:]:
            iou = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
            assert iou < 0.92, (a, b, iou)
    with pytest.raises(KeyError):
        gen.outline('blob', rng)


def test_colour_does_not_predict_the_class():
    """Fills are drawn whatever the class: per-object mean colours carry no class signal."""
    rng = np.random.RandomState(0)
    means = {c: [] for c in range(len(gen.STUDENT_CLASSES))}
    for _ in range(80):
        owners = np.zeros((gen.SCENE_SIZE, gen.SCENE_SIZE), np.int16)
        img, _, objects = gen.make_scene(rng, owners=owners)
        for k, (cls_id, _) in enumerate(objects):
            means[cls_id].append(img[owners == k].astype(np.float64).mean(0))
    assert min(len(m) for m in means.values()) >= 50
    x = np.concatenate([np.array(m) for m in means.values()])
    y = np.concatenate([[c] * len(m) for c, m in means.items()])
    centroids = np.array([np.mean(means[c], 0) for c in means])
    # class centroids lie close together compared with the spread of the objects (seeds 0 to
    # 29: at most 0.55), and nearest-centroid accuracy on the very objects it was fitted to
    # stays near chance, 0.25 (seeds 0 to 29: at most 0.34)
    assert ((centroids.max(0) - centroids.min(0)) / x.std(0)).max() < 0.7
    pred = np.argmin(((x[:, None] - centroids[None]) ** 2).sum(-1), 1)
    assert (pred == y).mean() < 0.42


def test_shapes_stand_upright():
    """A square's edges stay within ``MAX_TILT`` degrees (plus vertex jitter) of the axes."""
    rng = np.random.RandomState(0)
    for _ in range(50):
        (pts, _), = gen.place(gen.outline('square', rng), rng, 64, 64, 40)
        dx, dy = pts[1] - pts[0]
        tilt = abs(np.degrees(np.arctan2(dy, dx)))
        assert tilt <= gen.MAX_TILT + 5


def test_command_line_counts_default_to_the_generators_own():
    args = sw.generator_parser('d', 'out', gen.COUNTS).parse_args([])
    assert args.cls_train == gen.COUNTS['cls_train'] != sw.DEFAULT_COUNTS['cls_train']
    parser = sw.generator_parser('d', 'out', gen.COUNTS)
    assert parser.parse_args(['--cls-train', '7']).cls_train == 7
    assert sw.generator_parser('d', 'out').parse_args([]).cls_train == \
        sw.DEFAULT_COUNTS['cls_train']
