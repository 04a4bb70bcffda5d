# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.zoo.teacher_curve: teacher points and the paired-gain table."""
import pytest

from procd_mm.zoo import teacher_curve

POINTS = {'1': dict(path='e1.pth', top1=12.0), '10': dict(path='e10.pth', top1=52.0)}


def test_teacher_points():
    assert teacher_curve.teacher_for('random', POINTS) is None
    assert teacher_curve.teacher_for('final', POINTS)['path'] == 'e10.pth'
    assert teacher_curve.teacher_for('1', POINTS)['top1'] == 12.0
    with pytest.raises(KeyError, match='--points 3'):
        teacher_curve.teacher_for('3', POINTS)


def test_exported_point_names_its_weights(tmp_path):
    import torch
    state = {'w': torch.arange(4.0)}
    rec = teacher_curve.export_point(state, 3, str(tmp_path), 19.5)
    assert rec['path'] == str(tmp_path / 'teacher_epoch3.pth')
    assert rec['top1'] == 19.5 and len(rec['sha256']) == 12
    assert torch.equal(torch.load(rec['path'])['state_dict']['w'], state['w'])
    other = teacher_curve.export_point({'w': torch.ones(4)}, 3, str(tmp_path), 19.5)
    assert other['sha256'] != rec['sha256']  # other weights, same epoch and top-1


def test_table_pairs_seeds_against_the_random_teacher():
    runs = [dict(task='det', method='procd', point=p, seed=s, metric=m,
                 **({'teacher_top1': 52.0} if p == 'final' else {}))
            for p, s, m in [('random', 0, 30.0), ('random', 1, 32.0), ('final', 0, 34.0),
                            ('final', 1, 35.0)]]
    table = teacher_curve.table(runs, ['random', 'final'])
    # paired gains +4 and +3: mean +3.5, standard error 0.5
    assert '| det | procd | final | 52.0% | 34.5 ± 0.7 | +3.5 ± 0.5 (n=2) | – |' in table
    assert '| det | procd | random | – | 31.0 ± 1.4 | – | – |' in table
