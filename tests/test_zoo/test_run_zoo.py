# Copyright (c) procd_mm authors. All rights reserved.
"""procd_mm.zoo's table (``tools/model_zoo/run_zoo.py``): the whole pipeline runs in its
pipeline-check mode, resumes, and is labelled; the plan, pretrainings, records and tables."""
import dataclasses
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
import yaml

from zoo_testing import SMALL

from procd_mm.zoo import catalogue, pretraining, table
from procd_mm.zoo.catalogue import PRETRAIN, PROTO_KEYS, QUICK_ITERS, ROOT, TEACHER_FILE
from procd_mm.zoo.configs import prepare_config, schedule_iters
from procd_mm.zoo.layout import final_checkpoint, plan, result_path, run_dir
from procd_mm.zoo.metafile import teacher_label
from procd_mm.zoo.options import ZooOptions
from procd_mm.zoo.pretraining import needed_pretraining, pretrain, pretrain_split, split_spec
from procd_mm.zoo.probe import probe_run
from procd_mm.zoo.provenance import (checkpoint_digests, code_version, file_digest,
                                     run_code_version)
from procd_mm.zoo.records import collect, pretrain_records, publish_run
from procd_mm.zoo.runs import child_command, options_from_json, zero_neck_gates
from procd_mm.zoo.table import run_table


def _table_opts(tmp, **kw) -> ZooOptions:
    """A table in ``tmp``: its data, work dir, doc and metafiles."""
    return ZooOptions.create(data=str(tmp / 'data'), work_dir=str(tmp / 'work'),
                             doc=str(tmp / 'docs' / 'model_zoo.md'),
                             metafile=str(tmp / 'metafile.yml'),
                             model_index=str(tmp / 'model-index.yml'), **kw)

# A representative slice of the table: a peer, ProC-KD and its stripped-neck ablation, and
# the two-stage distill-then-fine-tune, ProC-KD in the pretrained regime (its R50 teacher
# and each student's backbone pretrained first) and distill-then-fine-tune there with the
# BackboneDistiller (an unlabelled image folder, the backbone alone), and ProC-KD as the
# second stage on another row's first stage. Every config is built by
# test_zoo_configs.py.
METHODS = ['plain', 'pkd', 'procd', 'procd-strip', 'dft', 'pt-procd', 'pt-dft-cos',
           'pt-dft-procd']
RUNS = [(t, m) for t in ('det', 'seg') for m in METHODS]
STUDENT_PRETRAIN = {'det': 'student_r18', 'seg': 'student_r18v1c'}


# ~60 s on 2 cores: every test that uses it is marked slow
@pytest.fixture(scope='module')
def quick(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('zoo')
    opts = _table_opts(tmp, quick=True, tasks=['det', 'seg'], methods=METHODS)
    catalogue.QUICK_COUNTS.update(SMALL)
    assert run_table(opts) == 0
    return tmp, opts


@pytest.mark.slow
def test_every_run_has_a_result(quick):
    tmp, _ = quick
    for task, method in RUNS:
        res = json.load(open(tmp / 'work' / task / method / 'seed0' / 'result.json'))
        assert res['quick'] and res['iters'] == QUICK_ITERS
        assert 0.0 <= res['metric'] <= 100.0
        if method.startswith('procd') and method != 'procd-strip':
            assert set(res['proto']) == set(PROTO_KEYS)
        if method in ('procd', 'pt-procd', 'pt-dft-procd'):  # ProC-Parts writes part maps
            part = res['part_alignment']
            assert 0.0 <= part['nmi_part'] <= 1.0 and 0.0 <= part['chance'] <= 1.0
            assert 0.0 < part['bg_mass_share'] < 1.0
        else:  # peers have no prototypes; the stripped row reuses procd's teacher
            assert res['part_alignment'] is None
        assert res['teacher_params'] > 0 or method in ('plain', 'dft', 'pt-dft-cos')
        if method == 'pt-procd':  # the zoo's own pretrained checkpoints, not the configs'
            cfg = (tmp / 'work' / task / method / 'seed0' / 'config.py').read_text()
            for name in ('teacher_r50', STUDENT_PRETRAIN[task]):
                path = tmp / 'work' / name / PRETRAIN[name]['file']
                assert path.exists() and str(path) in cfg
            assert 'work_dirs/zoo/' not in cfg
            # the digests of the pretrainings it loaded, for the headline's check
            assert res['checkpoints'] == {
                str(tmp / 'work' / n / PRETRAIN[n]['file']):
                file_digest(tmp / 'work' / n / PRETRAIN[n]['file'])
                for n in ('teacher_r50', STUDENT_PRETRAIN[task])}
        if method in ('plain', 'pkd'):  # from scratch; pkd's teacher is the R18
            assert set(res['checkpoints']) == (
                set() if method == 'plain' else {str(tmp / 'work' / 'teacher' / TEACHER_FILE)})
        if method == 'dft':  # stage 2 started from stage 1's student backbone
            stage1 = json.load(open(tmp / 'work' / task / method / 'seed0' / 'stage1' /
                                    'stage1.json'))
            assert stage1['checkpoint'].endswith('student.pth') and stage1['train_time_s'] > 0
            assert torch.load(stage1['checkpoint'], weights_only=True)['state_dict']
            assert res['train_time_s'] >= stage1['train_time_s']
            cfg = (tmp / 'work' / task / method / 'seed0' / 'config.py').read_text()
            assert stage1['checkpoint'] in cfg
            # the teacher of stage 1 counts, stage 1's own student does not
            assert list(res['checkpoints']) == [str(tmp / 'work' / 'teacher' / TEACHER_FILE)]
        if method == 'pt-dft-cos':  # stage 1 on the image folder: the backbone alone
            run = tmp / 'work' / task / method / 'seed0'
            stage1 = json.load(open(run / 'stage1' / 'stage1.json'))
            assert stage1['checkpoint'] == str(run / 'stage1' / 'backbone.pth')
            state = torch.load(stage1['checkpoint'], weights_only=True)['state_dict']
            assert state and all(k.startswith('backbone.') for k in state)
            assert stage1['checkpoint'] in (run / 'config.py').read_text()
            assert 'UnlabelledImageFolder' in open(stage1['config']).read()
            # stage 1 loaded the R50 teacher and the pretrained student backbone; stage 2
            # its own stage 1's output, recorded apart (it differs between paired rows)
            assert set(res['checkpoints']) == {
                str(tmp / 'work' / n / PRETRAIN[n]['file'])
                for n in ('teacher_r50', STUDENT_PRETRAIN[task])}
            assert res['stage1_checkpoint'] == {
                stage1['checkpoint']: file_digest(stage1['checkpoint'])}
            published = tmp / 'docs' / 'zoo_quick_runs' / task / method / 'seed0'
            for name in ('stage1.json', 'stage1_config.py', 'stage1_run.log'):
                assert (published / name).exists(), name
        if method == 'pt-dft-procd':  # ProC-KD from pt-dft-pkd's stage 1, run here for it
            owner = tmp / 'work' / task / 'pt-dft-pkd' / 'seed0' / 'stage1'
            assert res['stage1_checkpoint'] == {
                str(owner / 'backbone.pth'): file_digest(owner / 'backbone.pth')}
            assert not (tmp / 'work' / task / method / 'seed0' / 'stage1').exists()
            cfg = (tmp / 'work' / task / method / 'seed0' / 'config.py').read_text()
            assert str(owner / 'backbone.pth') in cfg and 'ProCDistiller' in cfg
            published = tmp / 'docs' / 'zoo_quick_runs' / task / method / 'seed0'
            assert (published / 'stage1.json').exists()
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
    tmp, opts = quick
    before = (tmp / 'work' / 'det' / 'procd' / 'seed0' / 'result.json').read_text()
    assert run_table(opts) == 0
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
    opts = ZooOptions.create(quick=True, data=str(tmp / 'data'),
                             work_dir=str(tmp_path / 'work'))
    dst = pretrain(opts, 'teacher')
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
    src = final_checkpoint(str(tmp / 'work' / 'det' / 'procd' / 'seed0'))
    dst = str(tmp_path / 'stripped.pth')
    assert zero_neck_gates(src, dst) >= 1
    state = torch.load(dst, map_location='cpu', weights_only=True)['state_dict']
    gates = [v for k, v in state.items() if k.endswith('.gate')]
    assert gates and all((g == 0).all() for g in gates)
    plain = final_checkpoint(str(tmp / 'work' / 'det' / 'plain' / 'seed0'))
    with pytest.raises(KeyError, match='no ProtoAugNeck gates'):
        zero_neck_gates(plain, str(tmp_path / 'x.pth'))


@pytest.mark.slow
def test_time_budget_writes_a_partial_table(quick):
    tmp, opts = quick
    assert run_table(dataclasses.replace(opts, seeds=(0, 1), max_minutes=0)) == 0
    doc = (tmp / 'docs' / 'model_zoo.md').read_text()
    assert 'Partial table' in doc and 'det/plain (seeds 1)' in doc
    assert not (tmp / 'work' / 'det' / 'plain' / 'seed1').exists()


@pytest.mark.slow
def test_a_run_in_its_own_process_gets_the_same_options(quick, tmp_path):
    tmp, _ = quick
    opts = dataclasses.replace(_table_opts(tmp_path, quick=True, tasks=['det'], methods=['plain'],
                                           subprocess=True), data=str(tmp / 'data'))
    assert run_table(opts) == 0
    res = json.load(open(tmp_path / 'work' / 'det' / 'plain' / 'seed0' / 'result.json'))
    assert res['quick'] and res['iters'] == QUICK_ITERS and res['code'] != 'unknown'
    assert '| no distillation |' in (tmp_path / 'docs' / 'model_zoo.md').read_text()


@pytest.mark.slow
def test_command_line_rewrites_the_table_it_names(quick, tmp_path):
    """``run_zoo.py`` in its own process: the table-only call writes the same table, which
    names the command line that wrote it."""
    tmp, opts = quick
    doc = tmp_path / 'model_zoo.md'
    argv = ['--quick', '--tasks', 'det', 'seg', '--methods', *METHODS, '--data', opts.data,
            '--work-dir', opts.work_dir, '--doc', str(doc), '--runs-subdir', 'zoo_quick_runs',
            '--metafile', str(tmp_path / 'metafile.yml'),
            '--model-index', str(tmp_path / 'model-index.yml'), '--max-minutes', '0']
    proc = subprocess.run([sys.executable, 'tools/model_zoo/run_zoo.py', *argv], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    text = doc.read_text()
    assert f'Generated by `python tools/model_zoo/run_zoo.py {" ".join(argv)}`' in text
    assert 'Partial table' not in text and 'PIPELINE CHECK ONLY' in text
    models = yaml.safe_load(open(tmp_path / 'metafile.yml'))['Models']
    assert len(models) == len(RUNS)
    assert models == yaml.safe_load(open(tmp / 'metafile.yml'))['Models']


@pytest.mark.slow
def test_probe_run_applies_overrides_and_records_metrics(quick):
    tmp, _ = quick
    out = tmp / 'probes.jsonl'
    common = dict(seed=0, data=str(tmp / 'data'), iters=2, work_dir=str(tmp / 'probes'),
                  teacher=str(tmp / 'work' / 'teacher' / TEACHER_FILE), out=str(out))
    res = probe_run('randteacher', 'configs/zoo/seg/fcn_r18_parts_procd.py', **common,
                    cfg_options=['model.teacher_ckpt=None', 'model.guided=False'])
    assert 'mIoU' in res['metrics'] and res['train_s'] > 0
    assert res['code'] and res['code'] != 'unknown'  # the tests run in a git checkout
    assert [json.loads(line)['name'] for line in out.read_text().splitlines()] == ['randteacher']
    dumped = open(next((tmp / 'probes' / 'randteacher' / 'seed0').glob('*/vis_data/config.py')
                       )).read()
    assert "teacher_ckpt=None" in dumped and 'guided=False' in dumped
    assert res['cfg_options'] == ['model.teacher_ckpt=None', 'model.guided=False']
    with pytest.raises(KeyError, match='no "nonexistent"'):
        probe_run('bad', 'configs/zoo/det/retinanet_r18_parts_plain.py', **common,
                  cfg_options=['nonexistent.key=1'])


def test_a_table_only_call_runs_no_pretraining(tmp_path, monkeypatch):
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'meta.json').write_text('{}')

    def no_pretraining(*_):
        raise AssertionError('a call that trains nothing must not pretrain')

    monkeypatch.setattr(table, 'pretrain', no_pretraining)
    assert run_table(ZooOptions.create(
        tasks=['det'], methods=['plain', 'pt-procd'], max_minutes=0, data=str(data),
        work_dir=str(tmp_path / 'work'), doc=str(tmp_path / 'docs' / 'zoo.md'),
        metafile=str(tmp_path / 'work' / 'metafile.yml'),
        model_index=str(tmp_path / 'work' / 'model-index.yml'))) == 0
    assert 'Partial table' in (tmp_path / 'docs' / 'zoo.md').read_text()
    assert (tmp_path / 'work' / 'metafile.yml').exists()  # written before any work dir


def test_plan_runs_each_k_ablation_only_where_k_is_not_the_default():
    opts = ZooOptions.create(tasks=['det', 'seg'], seeds=[0])
    jobs = {(task, method) for task, method, _ in plan(opts)}
    assert ('det', 'procd-k8') in jobs and ('det', 'procd-k32') not in jobs
    assert ('seg', 'procd-k32') in jobs and ('seg', 'procd-k8') not in jobs
    # procd-aug is a detection row only (segmentation's default is guided_input='aug')
    assert ('det', 'procd-aug') in jobs and ('seg', 'procd-aug') not in jobs
    # init-teacher and frozen-teacher (same architecture as the teacher) are detection rows
    # only; the pretrained regime has both tasks
    det_only = ['init-teacher', 'frozen-teacher']
    assert ('seg', 'pt-procd') in jobs
    assert all(('det', m) in jobs and ('seg', m) not in jobs for m in det_only)
    assert len(jobs) == 2 * (len(catalogue.METHODS) - 1) - 1 - len(det_only)


def _needed(tasks, methods):
    return needed_pretraining(ZooOptions.create(tasks=tasks, methods=methods))


def test_pretraining_runs_only_where_a_planned_config_names_it():
    assert _needed(['det', 'seg'], ['plain', 'procd', 'dft']) == ['teacher']
    assert _needed(['det'], ['pt-plain', 'pt-procd']) == ['teacher_r50', 'student_r18']
    assert _needed(['det', 'seg'], ['pt-plain', 'pt-procd']) == [
        'teacher_r50', 'student_r18', 'student_r18v1c']
    # a two-stage method's pretrainings are named by its first stage
    assert _needed(['seg'], ['pt-dft']) == ['teacher_r50', 'student_r18v1c']
    # a plan of the from-scratch and pretrained rows needs both teachers
    assert _needed(['seg'], ['procd', 'pt-procd']) == ['teacher', 'teacher_r50', 'student_r18v1c']


def test_metafile_names_each_rows_teacher():
    assert teacher_label('det', 'plain', 'B') == 'none'
    assert teacher_label('det', 'procd', 'B') == 'ResNet-18 (B cls)'
    assert teacher_label('seg', 'pt-procd', 'B') == 'ResNet-50 (B cls)'
    assert teacher_label('det', 'pt-dft', 'B') == 'ResNet-50 (B cls)'  # by its first stage
    assert teacher_label('det', 'pt-plain', 'B') == 'none'  # a student pretraining only
    assert teacher_label('seg', 'pt-procd-randteacher', 'B') == 'ResNet-50, random init'
    assert teacher_label('det', 'procd-randteacher', 'B') == 'ResNet-18, random init'


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
    meta = yaml.safe_load(open(osp.join(ROOT, 'metafile.yml')))
    models = sorted((m['Results'][0]['Task'], m['Metadata']['Method']) for m in meta['Models'])
    assert models == sorted(_table_rows(osp.join(ROOT, 'docs', 'model_zoo.md')))


@pytest.mark.parametrize('task', ['det', 'seg'])
def test_table_label_k_is_the_configs_k(task):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, catalogue.config_path(task, 'procd')))
    assert catalogue.TASKS[task]['k'] == cfg.model.proto_head.num_prototypes


def test_code_version_marks_code_changes_not_docs(tmp_path):
    def git(*args):
        subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@t', *args],
                       cwd=tmp_path, check=True, capture_output=True)

    for name in ('procd_mm/a.py', 'docs/runs.jsonl'):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text('x\n')
    git('init', '-q')
    git('add', '.')
    git('commit', '-qm', 'init')
    clean = code_version(str(tmp_path))
    assert clean and not clean.endswith('-dirty')
    (tmp_path / 'docs/runs.jsonl').write_text('x\ny\n')  # results written during a run
    assert code_version(str(tmp_path)) == clean
    (tmp_path / 'procd_mm/a.py').write_text('z\n')
    assert code_version(str(tmp_path)) == clean + '-dirty'

    # a run records the code at its start, and refuses changed code unless told
    opts = ZooOptions.create()
    with pytest.raises(RuntimeError, match=r'differ from commit .*--allow-dirty'):
        run_code_version(opts, str(tmp_path))
    for ok in (dataclasses.replace(opts, allow_dirty=True), ZooOptions.create(quick=True)):
        assert run_code_version(ok, str(tmp_path)) == clean + '-dirty'
    git('commit', '-qam', 'change')
    assert not run_code_version(opts, str(tmp_path)).endswith('-dirty')


def test_a_run_published_next_to_the_table_counts_as_finished(tmp_path):
    """On a fresh machine the work dirs are gone; the copies published next to the table
    keep the finished runs in the table (and out of the plan) without re-running them."""
    opts = ZooOptions.create(work_dir=str(tmp_path / 'work'),
                             doc=str(tmp_path / 'docs' / 'zoo.md'))
    assert result_path(opts, 'det', 'plain', 0) is None
    pub = tmp_path / 'docs' / 'zoo_runs' / 'det' / 'plain' / 'seed0'
    pub.mkdir(parents=True)
    (pub / 'result.json').write_text(json.dumps(dict(task='det', method='plain', seed=0)))
    (pub / 'run.log').write_text('log\n')
    assert result_path(opts, 'det', 'plain', 0) == str(pub / 'result.json')
    assert [r['method'] for r in collect(dataclasses.replace(
        opts, tasks=('det', ), methods=('plain', ), seeds=(0, )))] == ['plain']
    links = publish_run(opts, dict(task='det', method='plain', seed=0, log=None))
    assert links == {'run.log': 'zoo_runs/det/plain/seed0/run.log',
                     'result.json': 'zoo_runs/det/plain/seed0/result.json'}
    work = tmp_path / 'work' / 'det' / 'plain' / 'seed0'
    work.mkdir(parents=True)
    (work / 'result.json').write_text('{}')
    assert result_path(opts, 'det', 'plain', 0) == str(work / 'result.json')


def test_a_benchmark_schedule_applies_unless_overridden():
    parts = ZooOptions.create()
    assert schedule_iters(parts, 'det') is None  # the configs' own 300
    shapes = ZooOptions.create(benchmark='procd-shapes')
    assert [schedule_iters(shapes, t) for t in ('det', 'seg')] == [900, 900]
    assert schedule_iters(ZooOptions.create(benchmark='procd-shapes', iters=50), 'det') == 50
    assert schedule_iters(ZooOptions.create(benchmark='procd-shapes', quick=True),
                          'seg') is None  # QUICK_ITERS


def test_the_published_pretraining_is_kept_and_a_different_local_one_is_added(tmp_path):
    opts = ZooOptions.create(work_dir=str(tmp_path / 'work'),
                             doc=str(tmp_path / 'docs' / 'zoo.md'))
    assert pretrain_records(opts) == {}
    local = tmp_path / 'work' / 'teacher' / 'teacher.json'
    local.parent.mkdir(parents=True)
    local.write_text(json.dumps(dict(accuracy=51.0)))
    assert pretrain_records(opts) == {'teacher': [dict(accuracy=51.0)]}
    pub = tmp_path / 'docs' / 'zoo_runs' / 'pretrain' / 'teacher.json'
    assert json.loads(pub.read_text()) == dict(accuracy=51.0)  # published on first sight
    local.write_text(json.dumps(dict(accuracy=49.5)))  # pretrained again elsewhere
    assert pretrain_records(opts) == {'teacher': [dict(accuracy=51.0), dict(accuracy=49.5)]}
    assert json.loads(pub.read_text()) == dict(accuracy=51.0)
    # published too: a new machine without that work dir still lists both, once each
    local.unlink()
    assert pretrain_records(opts) == {'teacher': [dict(accuracy=51.0), dict(accuracy=49.5)]}
    local.write_text(json.dumps(dict(accuracy=49.5)))
    assert pretrain_records(opts) == {'teacher': [dict(accuracy=51.0), dict(accuracy=49.5)]}
    local.write_text(json.dumps(dict(accuracy=50.0)))  # a third machine
    assert [r['accuracy'] for r in pretrain_records(opts)['teacher']] == [51.0, 49.5, 50.0]
    # with a digest, the same val top-1 from other weights is another pretraining
    local.write_text(json.dumps(dict(accuracy=51.0, sha256='a56dda61607d')))
    assert [r['accuracy'] for r in pretrain_records(opts)['teacher']] == [
        51.0, 49.5, 50.0, 51.0]
    assert len(pretrain_records(opts)['teacher']) == 4  # listed once


def test_val_split_runs_score_val_and_keep_apart_from_the_tables():
    opts = ZooOptions.create(benchmark='procd-shapes', split='val')
    assert run_dir(opts, 'det', 'procd', 1) == 'work_dirs/zoo_shapes/val/det/procd/seed1'
    assert opts.work_dir == 'work_dirs/zoo_shapes'  # pretrainings shared with the test runs
    assert (opts.doc, opts.runs_subdir) == ('docs/model_zoo_shapes_val.md', 'zoo_shapes_val_runs')
    assert opts.metafile == 'work_dirs/zoo_shapes/val/metafile.yml'
    command = child_command(opts, 'det', 'procd', 1)  # a run in its own process: same split
    assert command[1:3] == ['-m', 'procd_mm.zoo.runs'] and command[-3:] == ['det', 'procd', '1']
    assert options_from_json(command[3]) == opts and options_from_json(command[3]).split == 'val'
    parts = ZooOptions.create()
    assert (parts.doc, parts.metafile) == ('docs/model_zoo.md', 'metafile.yml')
    for task, method in (('det', 'plain'), ('seg', 'procd')):
        path = catalogue.config_path(task, method)
        test = prepare_config(path, 'data/x', 'w', 0, 't.pth', False)
        val = prepare_config(path, 'data/x', 'w', 0, 't.pth', False, split='val')
        assert val.test_dataloader == val.val_dataloader == test.val_dataloader
        assert val.test_evaluator == test.val_evaluator
        if task == 'det':  # CocoMetric reads the split's own annotation file
            assert test.test_evaluator.ann_file.endswith('instances_test.json')
            assert val.test_evaluator.ann_file.endswith('instances_val.json')
        assert 'val' in repr(val.test_dataloader.dataset) and \
            'test' not in repr(val.test_dataloader.dataset.data_prefix)
    with pytest.raises(ValueError, match="split must be 'test' or 'val'"):
        prepare_config(catalogue.config_path('det', 'plain'), 'data/x', 'w', 0, 't.pth', False,
                       split='train')
    with pytest.raises(ValueError, match="split must be 'test' or 'val'"):
        ZooOptions.create(split='train')


def test_pretraining_split_size_per_benchmark(tmp_path, monkeypatch):
    import os
    made = []

    def generate(benchmark, out, counts=None, seed=0):
        made.append(dict(benchmark=benchmark, counts=counts, seed=seed))
        os.makedirs(out, exist_ok=True)
        with open(osp.join(out, 'meta.json'), 'w') as f:
            json.dump(dict(counts=counts, seed=seed), f)

    monkeypatch.setattr(pretraining, 'generate_benchmark', generate)
    shapes = pretraining.BENCHMARKS['procd-shapes']
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=800)})
    opts = ZooOptions.create(benchmark='procd-shapes', data=str(tmp_path / 'shapes'),
                             work_dir=str(tmp_path / 'work'))
    folder = pretrain_split(opts, 'teacher_r50')
    assert folder == str(tmp_path / 'shapes') + '_cls_large'
    assert made == [dict(benchmark='procd-shapes', seed=1, counts=dict(
        cls_train=800, cls_val=20, det_train=0, det_val=0, det_test=0))]
    assert pretrain_split(opts, 'teacher_r50') == folder and len(made) == 1  # once
    # the student's split keeps PRETRAIN's size
    pretrain_split(opts, 'student_r18')
    assert made[-1]['counts']['cls_train'] == PRETRAIN['student_r18']['split']['cls_train']
    # a folder of another size is never used silently
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=400)})
    with pytest.raises(RuntimeError, match="'teacher_r50' needs"):
        pretrain_split(opts, 'teacher_r50')
    # only the sizes can be overridden, and the same for pretrainings sharing a folder
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(suffix='_x')})
    with pytest.raises(ValueError, match='cls_train and cls_val only'):
        split_spec(opts, 'teacher_r50')
    monkeypatch.setitem(shapes, 'pretrain_splits', {'student_r18': dict(cls_train=60)})
    with pytest.raises(ValueError, match='share the folder'):
        split_spec(opts, 'student_r18v1c')


def test_a_checkpoint_pretrained_on_another_split_is_not_reused(tmp_path, monkeypatch):
    """After a benchmark's split size changes, the existing checkpoint is an error, even
    when its data folder was made again at the new size."""
    shapes = pretraining.BENCHMARKS['procd-shapes']
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=800)})
    opts = ZooOptions.create(benchmark='procd-shapes', data=str(tmp_path / 'shapes'),
                             work_dir=str(tmp_path / 'work'))
    out = tmp_path / 'work' / 'teacher_r50'
    out.mkdir(parents=True)
    (out / PRETRAIN['teacher_r50']['file']).write_bytes(b'')
    (out / 'teacher.json').write_text(json.dumps(dict(
        accuracy=70.0, split=dict(cls_train=400, cls_val=20, seed=1))))
    with pytest.raises(RuntimeError, match='was pretrained on'):
        pretrain(opts, 'teacher_r50')
    monkeypatch.setitem(shapes, 'pretrain_splits', {'teacher_r50': dict(cls_train=400)})
    assert pretrain(opts, 'teacher_r50') == str(out / PRETRAIN['teacher_r50']['file'])


def test_pretrain_only_runs_the_needed_pretrainings_and_no_training(tmp_path, monkeypatch):
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'meta.json').write_text('{}')
    done = []

    def fake_pretrain(opts, name='teacher'):
        done.append(name)
        (tmp_path / 'work' / name).mkdir(parents=True)
        (tmp_path / 'work' / name / 'teacher.json').write_text('{"accuracy": 50.0}')

    monkeypatch.setattr(table, 'pretrain', fake_pretrain)
    monkeypatch.setattr(table, 'run_one', lambda *a: pytest.fail('nothing may train'))
    monkeypatch.setattr(table.subprocess, 'run', lambda *a, **k: pytest.fail('nothing may train'))
    assert run_table(ZooOptions.create(pretrain_only=True, tasks=['det'], methods=['pt-procd'],
                                       data=str(data), work_dir=str(tmp_path / 'work'))) == 0
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
    assert run_table(ZooOptions.create(
        tasks=['det'], methods=['pt-procd'], max_minutes=0, data=str(data),
        work_dir=str(tmp_path / 'work'), doc=str(tmp_path / 'docs' / 'zoo.md'),
        metafile=str(tmp_path / 'work' / 'metafile.yml'),
        model_index=str(tmp_path / 'work' / 'model-index.yml'))) == 0
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
    digests = checkpoint_digests(cfg, exclude=str(tmp_path / 'run'))
    assert digests == {str(teacher): file_digest(teacher),
                       str(backbone): file_digest(backbone)}
    assert digests[str(teacher)] != digests[str(backbone)]
    assert len(digests[str(teacher)]) == 12


def test_compute_matched_control_trains_longer_with_its_schedule_scaled():
    path = catalogue.config_path('det', 'pt-plain-long')
    own = prepare_config(path, 'data/x', 'w', 0, 't.pth', False, iter_scale=1.5)
    assert own.train_cfg.max_iters == 450  # 1.5 x the config's 300
    milestones = [s.milestones for s in own.param_scheduler if s.type == 'MultiStepLR']
    assert milestones == [[360]]
    bench = prepare_config(path, 'data/x', 'w', 0, 't.pth', False, iters=900, iter_scale=1.5)
    assert bench.train_cfg.max_iters == 1350  # a benchmark's own schedule, scaled
    quick = prepare_config(path, 'data/x', 'w', 0, 't.pth', True, iter_scale=1.5)
    assert quick.train_cfg.max_iters == QUICK_ITERS
    assert catalogue.ITER_SCALE == {'pt-plain-long': 1.5}
