# Copyright (c) procd_mm authors. All rights reserved.
"""tools/model_zoo/run_zoo.py --quick: the whole pipeline runs, resumes, and is labelled."""
import json
import os.path as osp

import pytest
import torch
import yaml

from zoo_testing import SMALL, load_tool

zoo = load_tool('tools/model_zoo/run_zoo.py')

# A representative slice of the table: a peer, ProC-KD and its stripped-neck ablation, and
# the two-stage distill-then-fine-tune, and ProC-KD in the pretrained regime (its R50 teacher
# and each student's backbone pretrained first). Every config is built by
# test_zoo_configs.py.
METHODS = ['plain', 'pkd', 'procd', 'procd-strip', 'dft', 'pt-procd']
RUNS = [(t, m) for t in ('det', 'seg') for m in METHODS]
STUDENT_PRETRAIN = {'det': 'student_r18', 'seg': 'student_r18v1c'}


# ~60 s on 2 cores: every test that uses it is marked slow
@pytest.fixture(scope='module')
def quick(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('zoo')
    args = ['--quick', '--tasks', 'det', 'seg', '--methods', *METHODS,
            '--data', str(tmp / 'data'), '--work-dir', str(tmp / 'work'),
            '--doc', str(tmp / 'docs' / 'model_zoo.md'),
            '--metafile', str(tmp / 'metafile.yml'), '--model-index', str(tmp / 'model-index.yml')]
    zoo.QUICK_COUNTS.update(SMALL)
    assert zoo.main(args) == 0
    return tmp, args


@pytest.mark.slow
def test_every_run_has_a_result(quick):
    tmp, _ = quick
    for task, method in RUNS:
        res = json.load(open(tmp / 'work' / task / method / 'seed0' / 'result.json'))
        assert res['quick'] and res['iters'] == zoo.QUICK_ITERS
        assert 0.0 <= res['metric'] <= 100.0
        if method.startswith('procd') and method != 'procd-strip':
            assert set(res['proto']) == set(zoo.PROTO_KEYS)
        if method in ('procd', 'pt-procd'):  # ProC-Parts writes part maps
            part = res['part_alignment']
            assert 0.0 <= part['nmi_part'] <= 1.0 and 0.0 <= part['chance'] <= 1.0
            assert 0.0 < part['bg_mass_share'] < 1.0
        else:  # peers have no prototypes; the stripped row reuses procd's teacher
            assert res['part_alignment'] is None
        assert res['teacher_params'] > 0 or method in ('plain', 'dft')
        if method == 'pt-procd':  # the zoo's own pretrained checkpoints, not the configs'
            cfg = (tmp / 'work' / task / method / 'seed0' / 'config.py').read_text()
            for name in ('teacher_r50', STUDENT_PRETRAIN[task]):
                path = tmp / 'work' / name / zoo.PRETRAIN[name]['file']
                assert path.exists() and str(path) in cfg
            assert 'work_dirs/zoo/' not in cfg
            # the digests of the pretrainings it loaded, for the headline's check
            assert res['checkpoints'] == {
                str(tmp / 'work' / n / zoo.PRETRAIN[n]['file']):
                zoo.file_digest(tmp / 'work' / n / zoo.PRETRAIN[n]['file'])
                for n in ('teacher_r50', STUDENT_PRETRAIN[task])}
        if method in ('plain', 'pkd'):  # from scratch; pkd's teacher is the R18
            assert set(res['checkpoints']) == (
                set() if method == 'plain' else {str(tmp / 'work' / 'teacher' / zoo.TEACHER_FILE)})
        if method == 'dft':  # stage 2 started from stage 1's student backbone
            stage1 = json.load(open(tmp / 'work' / task / method / 'seed0' / 'stage1' /
                                    'stage1.json'))
            assert stage1['checkpoint'].endswith('student.pth') and stage1['train_time_s'] > 0
            assert torch.load(stage1['checkpoint'], weights_only=True)['state_dict']
            assert res['train_time_s'] >= stage1['train_time_s']
            cfg = (tmp / 'work' / task / method / 'seed0' / 'config.py').read_text()
            assert stage1['checkpoint'] in cfg
            # the teacher of stage 1 counts, stage 1's own student does not
            assert list(res['checkpoints']) == [str(tmp / 'work' / 'teacher' / zoo.TEACHER_FILE)]
        assert res['code'] and res['code'] != 'unknown'  # the tests run in a checkout


@pytest.mark.slow
def test_table_and_metafiles_are_labelled_as_a_pipeline_check(quick):
    tmp, _ = quick
    doc = (tmp / 'docs' / 'model_zoo.md').read_text()
    assert 'PIPELINE CHECK ONLY' in doc and 'not results' in doc
    assert 'bbox mAP' in doc and 'mIoU' in doc
    for name in ('ProC-KD (K=32)', 'PKD (Pearson feature KD)', 'aug. neck stripped'):
        assert name in doc
    assert '| part NMI (chance) |' in doc
    procd_row = next(line for line in doc.splitlines() if line.startswith('| ProC-KD (K=32)'))
    assert procd_row.split(' | ')[7].count('.') == 2  # e.g. 0.061 (0.042)
    # links point at copied logs and configs that exist
    assert osp.exists(tmp / 'docs' / 'zoo_quick_runs' / 'seg' / 'procd' / 'seed0' / 'run.log')
    meta = yaml.safe_load(open(tmp / 'metafile.yml'))
    assert len(meta['Models']) == len(RUNS)
    assert all(m['Metadata']['Pipeline check only'] for m in meta['Models'])
    assert yaml.safe_load(open(tmp / 'model-index.yml')) == {'Import': ['metafile.yml']}


@pytest.mark.slow
def test_finished_runs_are_skipped(quick, capsys):
    tmp, args = quick
    before = (tmp / 'work' / 'det' / 'procd' / 'seed0' / 'result.json').read_text()
    assert zoo.main(args) == 0
    out = capsys.readouterr().out
    assert out.count('skipped') == len(RUNS) + 1  # + data; nothing trains, nothing pretrains
    assert 'pretraining' not in out
    assert (tmp / 'work' / 'det' / 'procd' / 'seed0' / 'result.json').read_text() == before


@pytest.mark.slow
def test_an_interrupted_pretraining_resumes_from_its_checkpoint(quick, tmp_path):
    """Its own epoch checkpoint holds optimizer and message-hub state, which only the
    runner's trusted resume reads; the resumed run ends where the interrupted one was."""
    tmp, _ = quick
    src = tmp / 'work' / 'teacher'
    work = tmp_path / 'work' / 'teacher'
    work.mkdir(parents=True)
    (work / 'epoch_1.pth').write_bytes((src / 'epoch_1.pth').read_bytes())
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))  # stopped after epoch 1
    (work / 'timing.json').write_text(json.dumps(dict(train_time_s=100.0)))  # its time so far
    args = zoo.parse_args(['--quick', '--data', str(tmp / 'data'),
                           '--work-dir', str(tmp_path / 'work')])
    dst = zoo.pretrain(args, 'teacher')
    record = json.load(open(work / 'teacher.json'))
    assert record['resumed_from'] == 'epoch_1.pth'
    assert 100.0 <= record['train_time_s'] < 100.0 + 60.0  # the time before the interruption
    assert json.load(open(src / 'teacher.json'))['resumed_from'] is None
    resumed = torch.load(dst, weights_only=True)['state_dict']
    interrupted = torch.load(work / 'epoch_1.pth', weights_only=False)['state_dict']
    assert resumed.keys() == interrupted.keys()
    assert all(torch.equal(resumed[k], interrupted[k]) for k in resumed)


@pytest.mark.slow
def test_stripped_neck_checkpoint_has_zero_gates(quick, tmp_path):
    tmp, _ = quick
    src = zoo._final_checkpoint(str(tmp / 'work' / 'det' / 'procd' / 'seed0'))
    dst = str(tmp_path / 'stripped.pth')
    assert zoo.zero_neck_gates(src, dst) >= 1
    state = torch.load(dst, map_location='cpu', weights_only=True)['state_dict']
    gates = [v for k, v in state.items() if k.endswith('.gate')]
    assert gates and all((g == 0).all() for g in gates)
    plain = zoo._final_checkpoint(str(tmp / 'work' / 'det' / 'plain' / 'seed0'))
    with pytest.raises(KeyError, match='no ProtoAugNeck gates'):
        zoo.zero_neck_gates(plain, str(tmp_path / 'x.pth'))


@pytest.mark.slow
def test_time_budget_writes_a_partial_table(quick):
    tmp, args = quick
    assert zoo.main([*args, '--seeds', '0', '1', '--max-minutes', '0']) == 0
    doc = (tmp / 'docs' / 'model_zoo.md').read_text()
    assert 'Partial table' in doc and 'det/plain (seeds 1)' in doc
    assert not (tmp / 'work' / 'det' / 'plain' / 'seed1').exists()


@pytest.mark.slow
def test_probe_run_applies_overrides_and_records_metrics(quick):
    tmp, _ = quick
    probe = load_tool('tools/model_zoo/probe_run.py')
    out = tmp / 'probes.jsonl'
    common = ['--data', str(tmp / 'data'), '--iters', '2', '--work-dir', str(tmp / 'probes'),
              '--teacher', str(tmp / 'work' / 'teacher' / zoo.TEACHER_FILE), '--out', str(out)]
    res = probe.main(['randteacher', 'configs/zoo/seg/fcn_r18_parts_procd.py', *common,
                      '--cfg-options', 'model.teacher_ckpt=None', 'model.guided=False'])
    assert 'mIoU' in res['metrics'] and res['train_s'] > 0
    assert res['code'] and res['code'] != 'unknown'  # the tests run in a git checkout
    assert [json.loads(line)['name'] for line in out.read_text().splitlines()] == ['randteacher']
    dumped = open(next((tmp / 'probes' / 'randteacher' / 'seed0').glob('*/vis_data/config.py')
                       )).read()
    assert "teacher_ckpt=None" in dumped and 'guided=False' in dumped
    with pytest.raises(KeyError, match='no "nonexistent"'):
        probe.main(['bad', 'configs/zoo/det/retinanet_r18_parts_plain.py', *common,
                    '--cfg-options', 'nonexistent.key=1'])


def test_a_table_only_call_runs_no_pretraining(tmp_path, monkeypatch):
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'meta.json').write_text('{}')

    def no_pretraining(*_):
        raise AssertionError('a call that trains nothing must not pretrain')

    monkeypatch.setattr(zoo, 'pretrain', no_pretraining)
    assert zoo.main(['--tasks', 'det', '--methods', 'plain', 'pt-procd', '--max-minutes', '0',
                     '--data', str(data), '--work-dir', str(tmp_path / 'work'),
                     '--doc', str(tmp_path / 'docs' / 'zoo.md'),
                     '--metafile', str(tmp_path / 'work' / 'metafile.yml'),
                     '--model-index', str(tmp_path / 'work' / 'model-index.yml')]) == 0
    assert 'Partial table' in (tmp_path / 'docs' / 'zoo.md').read_text()
    assert (tmp_path / 'work' / 'metafile.yml').exists()  # written before any work dir


def test_plan_runs_each_k_ablation_only_where_k_is_not_the_default():
    args = zoo.parse_args(['--tasks', 'det', 'seg', '--seeds', '0'])
    jobs = {(task, method) for task, method, _ in zoo.plan(args)}
    assert ('det', 'procd-k8') in jobs and ('det', 'procd-k32') not in jobs
    assert ('seg', 'procd-k32') in jobs and ('seg', 'procd-k8') not in jobs
    # procd-aug is a detection row only (segmentation's default is guided_input='aug')
    assert ('det', 'procd-aug') in jobs and ('seg', 'procd-aug') not in jobs
    # init-teacher and frozen-teacher (same architecture as the teacher) are detection rows
    # only; the pretrained regime has both tasks
    det_only = ['init-teacher', 'frozen-teacher']
    assert ('seg', 'pt-procd') in jobs
    assert all(('det', m) in jobs and ('seg', m) not in jobs for m in det_only)
    assert len(jobs) == 2 * (len(zoo.METHODS) - 1) - 1 - len(det_only)


def test_pretraining_runs_only_where_a_planned_config_names_it():
    args = zoo.parse_args(['--tasks', 'det', 'seg', '--methods', 'plain', 'procd', 'dft'])
    assert zoo.needed_pretraining(args) == ['teacher']
    args = zoo.parse_args(['--tasks', 'det', '--methods', 'pt-plain', 'pt-procd'])
    assert zoo.needed_pretraining(args) == ['teacher_r50', 'student_r18']
    args = zoo.parse_args(['--tasks', 'det', 'seg', '--methods', 'pt-plain', 'pt-procd'])
    assert zoo.needed_pretraining(args) == ['teacher_r50', 'student_r18', 'student_r18v1c']
    # a two-stage method's pretrainings are named by its first stage
    args = zoo.parse_args(['--tasks', 'seg', '--methods', 'pt-dft'])
    assert zoo.needed_pretraining(args) == ['teacher_r50', 'student_r18v1c']
    # a plan of the from-scratch and pretrained rows needs both teachers
    args = zoo.parse_args(['--tasks', 'seg', '--methods', 'procd', 'pt-procd'])
    assert zoo.needed_pretraining(args) == ['teacher', 'teacher_r50', 'student_r18v1c']


def test_metafile_names_each_rows_teacher():
    assert zoo._teacher_label('det', 'plain', 'B') == 'none'
    assert zoo._teacher_label('det', 'procd', 'B') == 'ResNet-18 (B cls)'
    assert zoo._teacher_label('seg', 'pt-procd', 'B') == 'ResNet-50 (B cls)'
    assert zoo._teacher_label('det', 'pt-dft', 'B') == 'ResNet-50 (B cls)'  # by its first stage
    assert zoo._teacher_label('det', 'pt-plain', 'B') == 'none'  # a student pretraining only
    assert zoo._teacher_label('seg', 'pt-procd-randteacher', 'B') == 'ResNet-50, random init'
    assert zoo._teacher_label('det', 'procd-randteacher', 'B') == 'ResNet-18, random init'


def _table_rows(doc: str) -> list:
    """(section, method label) of each row of the doc's results tables."""
    rows, section, in_table = [], None, False
    for line in open(doc):
        if line.startswith('## '):
            section = line[3:].split(':')[0].strip()
        header = line.startswith('| method | ') and '| train time / run |' in line
        in_table = header or (in_table and line.startswith('|'))
        if in_table and not header and not line.startswith('| ---'):
            rows.append((section, line.split('|')[1].strip()))
    return rows


def test_committed_metafile_lists_every_row_of_the_committed_table():
    """``metafile.yml`` and ``docs/model_zoo.md`` are written together: one model per row of
    each task's results table (the paired tables below them have other columns)."""
    meta = yaml.safe_load(open(osp.join(zoo.ROOT, 'metafile.yml')))
    models = sorted((m['Results'][0]['Task'], m['Metadata']['Method']) for m in meta['Models'])
    assert models == sorted(_table_rows(osp.join(zoo.ROOT, 'docs', 'model_zoo.md')))


@pytest.mark.parametrize('task', ['det', 'seg'])
def test_table_label_k_is_the_configs_k(task):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(zoo.ROOT, zoo.config_path(task, 'procd')))
    assert zoo.TASKS[task]['k'] == cfg.model.proto_head.num_prototypes


def test_code_version_marks_code_changes_not_docs(tmp_path, monkeypatch):
    import subprocess

    def git(*args):
        subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@t', *args],
                       cwd=tmp_path, check=True, capture_output=True)

    for name in ('procd_mm/a.py', 'docs/runs.jsonl'):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text('x\n')
    git('init', '-q')
    git('add', '.')
    git('commit', '-qm', 'init')
    monkeypatch.setattr(zoo, 'ROOT', str(tmp_path))
    clean = zoo.code_version()
    assert clean and not clean.endswith('-dirty')
    (tmp_path / 'docs/runs.jsonl').write_text('x\ny\n')  # results written during a run
    assert zoo.code_version() == clean
    (tmp_path / 'procd_mm/a.py').write_text('z\n')
    assert zoo.code_version() == clean + '-dirty'


def test_a_run_published_next_to_the_table_counts_as_finished(tmp_path):
    """On a fresh machine the work dirs are gone; the copies published next to the table
    keep the finished runs in the table (and out of the plan) without re-running them."""
    args = zoo.parse_args(['--work-dir', str(tmp_path / 'work'),
                           '--doc', str(tmp_path / 'docs' / 'zoo.md')])
    assert zoo.result_path(args, 'det', 'plain', 0) is None
    pub = tmp_path / 'docs' / 'zoo_runs' / 'det' / 'plain' / 'seed0'
    pub.mkdir(parents=True)
    (pub / 'result.json').write_text(json.dumps(dict(task='det', method='plain', seed=0)))
    (pub / 'run.log').write_text('log\n')
    assert zoo.result_path(args, 'det', 'plain', 0) == str(pub / 'result.json')
    assert [r['method'] for r in zoo.collect(zoo.parse_args(
        ['--work-dir', str(tmp_path / 'work'), '--doc', str(tmp_path / 'docs' / 'zoo.md'),
         '--tasks', 'det', '--methods', 'plain', '--seeds', '0']))] == ['plain']
    links = zoo.publish_run(args, dict(task='det', method='plain', seed=0, log=None))
    assert links == {'run.log': 'zoo_runs/det/plain/seed0/run.log',
                     'result.json': 'zoo_runs/det/plain/seed0/result.json'}
    work = tmp_path / 'work' / 'det' / 'plain' / 'seed0'
    work.mkdir(parents=True)
    (work / 'result.json').write_text('{}')
    assert zoo.result_path(args, 'det', 'plain', 0) == str(work / 'result.json')


def test_a_benchmark_schedule_applies_unless_overridden():
    parts = zoo.parse_args([])
    assert zoo.schedule_iters(parts, 'det') is None  # the configs' own 300
    shapes = zoo.parse_args(['--benchmark', 'procd-shapes'])
    assert [zoo.schedule_iters(shapes, t) for t in ('det', 'seg')] == [900, 900]
    assert zoo.schedule_iters(zoo.parse_args(['--benchmark', 'procd-shapes', '--iters', '50']),
                              'det') == 50
    assert zoo.schedule_iters(zoo.parse_args(['--benchmark', 'procd-shapes', '--quick']),
                              'seg') is None  # QUICK_ITERS


def test_the_published_pretraining_is_kept_and_a_different_local_one_is_added(tmp_path):
    args = zoo.parse_args(['--work-dir', str(tmp_path / 'work'),
                           '--doc', str(tmp_path / 'docs' / 'zoo.md')])
    assert zoo.pretrain_records(args) == {}
    local = tmp_path / 'work' / 'teacher' / 'teacher.json'
    local.parent.mkdir(parents=True)
    local.write_text(json.dumps(dict(accuracy=51.0)))
    assert zoo.pretrain_records(args) == {'teacher': [dict(accuracy=51.0)]}
    pub = tmp_path / 'docs' / 'zoo_runs' / 'pretrain' / 'teacher.json'
    assert json.loads(pub.read_text()) == dict(accuracy=51.0)  # published on first sight
    local.write_text(json.dumps(dict(accuracy=49.5)))  # pretrained again elsewhere
    assert zoo.pretrain_records(args) == {'teacher': [dict(accuracy=51.0), dict(accuracy=49.5)]}
    assert json.loads(pub.read_text()) == dict(accuracy=51.0)
    # published too: a new machine without that work dir still lists both, once each
    local.unlink()
    assert zoo.pretrain_records(args) == {'teacher': [dict(accuracy=51.0), dict(accuracy=49.5)]}
    local.write_text(json.dumps(dict(accuracy=49.5)))
    assert zoo.pretrain_records(args) == {'teacher': [dict(accuracy=51.0), dict(accuracy=49.5)]}
    local.write_text(json.dumps(dict(accuracy=50.0)))  # a third machine
    assert [r['accuracy'] for r in zoo.pretrain_records(args)['teacher']] == [51.0, 49.5, 50.0]
    # with a digest, the same val top-1 from other weights is another pretraining
    local.write_text(json.dumps(dict(accuracy=51.0, sha256='a56dda61607d')))
    assert [r['accuracy'] for r in zoo.pretrain_records(args)['teacher']] == [
        51.0, 49.5, 50.0, 51.0]
    assert len(zoo.pretrain_records(args)['teacher']) == 4  # listed once


def test_val_split_runs_score_val_and_keep_apart_from_the_tables():
    args = zoo.parse_args(['--benchmark', 'procd-shapes', '--split', 'val'])
    assert zoo.run_dir(args, 'det', 'procd', 1) == 'work_dirs/zoo_shapes/val/det/procd/seed1'
    assert args.work_dir == 'work_dirs/zoo_shapes'  # pretrainings shared with the test runs
    assert (args.doc, args.runs_subdir) == ('docs/model_zoo_shapes_val.md', 'zoo_shapes_val_runs')
    assert args.metafile == 'work_dirs/zoo_shapes/val/metafile.yml'
    assert '--split' in zoo._child_argv(args, ('det', 'procd', 1))
    parts = zoo.parse_args([])
    assert (parts.doc, parts.metafile) == ('docs/model_zoo.md', 'metafile.yml')
    for task, method in (('det', 'plain'), ('seg', 'procd')):
        path = zoo.config_path(task, method)
        test = zoo.prepare_config(path, 'data/x', 'w', 0, 't.pth', False)
        val = zoo.prepare_config(path, 'data/x', 'w', 0, 't.pth', False, split='val')
        assert val.test_dataloader == val.val_dataloader == test.val_dataloader
        assert val.test_evaluator == test.val_evaluator
        if task == 'det':  # CocoMetric reads the split's own annotation file
            assert test.test_evaluator.ann_file.endswith('instances_test.json')
            assert val.test_evaluator.ann_file.endswith('instances_val.json')
        assert 'val' in repr(val.test_dataloader.dataset) and \
            'test' not in repr(val.test_dataloader.dataset.data_prefix)
    with pytest.raises(ValueError, match="split must be 'test' or 'val'"):
        zoo.prepare_config(zoo.config_path('det', 'plain'), 'data/x', 'w', 0, 't.pth', False,
                           split='train')


def test_pretraining_split_size_per_benchmark(tmp_path, monkeypatch):
    import os
    made = []

    def generate(benchmark, out, counts=None, seed=0):
        made.append(dict(benchmark=benchmark, counts=counts, seed=seed))
        os.makedirs(out, exist_ok=True)
        with open(osp.join(out, 'meta.json'), 'w') as f:
            json.dump(dict(counts=counts, seed=seed), f)

    monkeypatch.setattr(zoo, 'generate_benchmark', generate)
    shapes = zoo.BENCHMARKS['procd-shapes']
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=800)})
    args = zoo.parse_args(['--benchmark', 'procd-shapes', '--data', str(tmp_path / 'shapes'),
                           '--work-dir', str(tmp_path / 'work')])
    folder = zoo.pretrain_split(args, 'teacher_r50')
    assert folder == str(tmp_path / 'shapes') + '_cls_large'
    assert made == [dict(benchmark='procd-shapes', seed=1, counts=dict(
        cls_train=800, cls_val=20, det_train=0, det_val=0, det_test=0))]
    assert zoo.pretrain_split(args, 'teacher_r50') == folder and len(made) == 1  # once
    # the student's split keeps PRETRAIN's size
    zoo.pretrain_split(args, 'student_r18')
    assert made[-1]['counts']['cls_train'] == zoo.PRETRAIN['student_r18']['split']['cls_train']
    # a folder of another size is never used silently
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=400)})
    with pytest.raises(RuntimeError, match="'teacher_r50' needs"):
        zoo.pretrain_split(args, 'teacher_r50')
    # only the sizes can be overridden, and the same for pretrainings sharing a folder
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(suffix='_x')})
    with pytest.raises(ValueError, match='cls_train and cls_val only'):
        zoo.split_spec(args, 'teacher_r50')
    monkeypatch.setitem(shapes, 'pretrain_splits', {'student_r18': dict(cls_train=60)})
    with pytest.raises(ValueError, match='share the folder'):
        zoo.split_spec(args, 'student_r18v1c')


def test_a_checkpoint_pretrained_on_another_split_is_not_reused(tmp_path, monkeypatch):
    """After a benchmark's split size changes, the existing checkpoint is an error, even
    when its data folder was made again at the new size."""
    shapes = zoo.BENCHMARKS['procd-shapes']
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=800)})
    args = zoo.parse_args(['--benchmark', 'procd-shapes', '--data', str(tmp_path / 'shapes'),
                           '--work-dir', str(tmp_path / 'work')])
    out = tmp_path / 'work' / 'teacher_r50'
    out.mkdir(parents=True)
    (out / zoo.PRETRAIN['teacher_r50']['file']).write_bytes(b'')
    (out / 'teacher.json').write_text(json.dumps(dict(
        accuracy=70.0, split=dict(cls_train=400, cls_val=20, seed=1))))
    with pytest.raises(RuntimeError, match='was pretrained on'):
        zoo.pretrain(args, 'teacher_r50')
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=400)})
    assert zoo.pretrain(args, 'teacher_r50') == str(out / zoo.PRETRAIN['teacher_r50']['file'])


def test_pretrain_only_runs_the_needed_pretrainings_and_no_training(tmp_path, monkeypatch):
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'meta.json').write_text('{}')
    done = []

    def pretrain(args, name='teacher'):
        done.append(name)
        (tmp_path / 'work' / name).mkdir(parents=True)
        (tmp_path / 'work' / name / 'teacher.json').write_text('{"accuracy": 50.0}')

    monkeypatch.setattr(zoo, 'pretrain', pretrain)
    monkeypatch.setattr(zoo, 'run_one', lambda *a: pytest.fail('nothing may train'))
    assert zoo.main(['--pretrain-only', '--tasks', 'det', '--methods', 'pt-procd',
                     '--data', str(data), '--work-dir', str(tmp_path / 'work')]) == 0
    assert done == ['teacher_r50', 'student_r18']  # no ResNet-18 teacher for the pt-* rows
    assert not (tmp_path / 'docs').exists()


def test_the_table_names_each_pretraining_split(tmp_path):
    """A pretraining on another split size is reported as such, not as a re-run."""
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'meta.json').write_text('{}')
    pub = tmp_path / 'docs' / 'zoo_runs' / 'pretrain'
    pub.mkdir(parents=True)
    split = dict(cls_train=400, cls_val=20, seed=1)
    (pub / 'teacher_r50.json').write_text(json.dumps(dict(accuracy=60.0, split=split)))
    (pub / 'teacher_r50.again.jsonl').write_text(
        json.dumps(dict(accuracy=59.0, split=split)) + '\n' +
        json.dumps(dict(accuracy=70.0, split=dict(split, cls_train=800))) + '\n' +
        json.dumps(dict(accuracy=59.0, split=split, sha256='0123456789ab')) + '\n')
    assert zoo.main(['--tasks', 'det', '--methods', 'pt-procd', '--max-minutes', '0',
                     '--data', str(data), '--work-dir', str(tmp_path / 'work'),
                     '--doc', str(tmp_path / 'docs' / 'zoo.md'),
                     '--metafile', str(tmp_path / 'work' / 'metafile.yml'),
                     '--model-index', str(tmp_path / 'work' / 'model-index.yml')]) == 0
    doc = (tmp_path / 'docs' / 'zoo.md').read_text()
    assert 'val top-1 60.0% on its own classification split (400 images per class, ' \
        'generator seed 1)' in doc
    assert 'pretrained again with the same recipe and data (not bit-reproducible across ' \
        'machines), used by the runs made with it: val top-1 59.0%' in doc
    assert 'pretrained with the same recipe on another split (800 images per class, ' \
        'generator seed 1), used by the runs made with it: val top-1 70.0%' in doc
    # the same val top-1 from other weights, told apart by the digest the records name
    assert 'val top-1 59.0%, 0.0 min (checkpoint sha256 0123456789ab).' in doc


def test_checkpoint_digests_name_every_file_the_model_loads(tmp_path):
    from mmengine.config import Config
    teacher, backbone = tmp_path / 'teacher.pth', tmp_path / 'backbone.pth'
    own = tmp_path / 'run' / 'stage1' / 'student.pth'
    own.parent.mkdir(parents=True)
    for i, path in enumerate((teacher, backbone, own)):
        path.write_bytes(bytes([i]) * 10)
    cfg = Config(dict(model=dict(
        teacher_ckpt=str(teacher), missing=str(tmp_path / 'none.pth'),
        student=dict(backbone=dict(init_cfg=dict(checkpoint=str(backbone))),
                     necks=[dict(init_cfg=dict(checkpoint=str(own)))]))))
    digests = zoo.checkpoint_digests(cfg, exclude=str(tmp_path / 'run'))
    assert digests == {str(teacher): zoo.file_digest(teacher),
                       str(backbone): zoo.file_digest(backbone)}
    assert digests[str(teacher)] != digests[str(backbone)]
    assert len(digests[str(teacher)]) == 12
