# Copyright (c) procd_mm authors. All rights reserved.
"""Every model family of the installed mmdet and mmseg as ProCDistiller's student: one loss +
backward + predict step each (``student_sweep.py``); a few in the quick tier, all in the slow
one. ``docs/students.md`` is the same sweep written out."""
import os
import os.path as osp

import pytest
import student_sweep as sweep

FAMILIES = sweep.discover()


def _rows(keep, quick=sweep.QUICK):
    return [pytest.param(f, id=f.id, marks=() if f.id in quick else pytest.mark.slow)
            for f in FAMILIES if keep(f)]


def _skip_or_return(result):
    if result.status == sweep.SKIP:
        pytest.skip(f'{result.family.id}: {result.reason}')
    return result


@pytest.mark.parametrize('family', _rows(lambda f: f.config is not None))
def test_family_trains_one_step_or_is_refused_naming_what_is_supported(family):
    result = _skip_or_return(sweep.run_family(family, strict=True))
    assert result.status in (sweep.PASS, sweep.UNSUPPORTED), result.reason
    if result.status == sweep.UNSUPPORTED:
        assert result.reason.startswith('TypeError') and 'supported are' in \
            result.reason.lower(), result.reason


@pytest.mark.parametrize('family', _rows(lambda f: f.id in sweep.BACKBONE_GUIDED,
                                         quick=sweep.QUICK[:1]))
def test_detector_family_trains_with_guided_input_backbone(family):
    result = _skip_or_return(sweep.run_family(family, guided_input='backbone', strict=True))
    assert result.status == sweep.PASS, result.reason


def test_discovery_walks_every_config_folder():
    for scope in sweep.SCOPES:
        root = sweep.configs_root(scope)
        folders = {d for d in os.listdir(root)
                   if not d.startswith('_') and osp.isdir(osp.join(root, d))}
        assert folders == {f.folder for f in FAMILIES if f.scope == scope}
    ids = [f.id for f in FAMILIES]
    assert len(set(ids)) == len(ids)  # one row per folder
    assert set(sweep.QUICK) <= set(ids) and set(sweep.BACKBONE_GUIDED) <= set(ids)
    by_id = {f.id: f for f in FAMILIES}
    # supported types found through the configs' base chains, subclasses included
    assert by_id['mmdet/cascade_rcnn'].model_type == 'CascadeRCNN'
    assert by_id['mmseg/point_rend'].model_type == 'CascadeEncoderDecoder'
    # a folder of several types is swept with a supported one
    assert by_id['mmdet/rtmdet'].several and by_id['mmdet/rtmdet'].model_type == 'RTMDet'
    assert by_id['mmdet/detr'].model_type == 'DETR'  # listed, not dropped
    assert by_id['mmdet/common'].config is None  # only dataset/schedule bases


def test_unsupported_student_raises_a_type_error_naming_what_is_supported():
    from procd_mm.registry import MODELS  # noqa: F401  (registers ProCDistiller)
    _, student, _ = sweep.load_student(sweep.family('mmdet/detr'))
    with pytest.raises(TypeError, match='supported are') as info:
        sweep.build_distiller(student)
    assert 'DETR' in str(info.value)
    for name in ('TwoStageDetector', 'SingleStageDetector', 'EncoderDecoder', 'RPN',
                 'TwoStagePanopticSegmentor'):
        assert name in str(info.value)


def test_the_doc_lists_every_family():
    with open(sweep.DOC) as f:
        doc = f.read()
    missing = [f.id for f in FAMILIES if f'| {f.id} |' not in doc]
    assert not missing, f'docs/students.md is stale, run tests/student_sweep.py: {missing}'
    assert '| fail |' not in doc, 'docs/students.md records failing families'
