# Copyright (c) procd_mm authors. All rights reserved.
"""One zoo run: train (or resume), test, and write its record ``result.json``.

Two-stage methods (:data:`~procd_mm.zoo.catalogue.STAGE1`) train their first stage in the
run's ``stage1/`` (those of ``STAGE1_OF`` reuse the one of the method they name);
``procd-strip`` re-tests the ``procd`` run's checkpoint with the augmentation neck's gates
set to zero. ``python -m procd_mm.zoo.runs`` runs one job in its
own process (:func:`child_command`).
"""
import dataclasses
import glob
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional

from procd_mm.apis import build_runner
from procd_mm.apis.backbone_export import save_backbone

from .catalogue import (ITER_SCALE, PROTO_KEYS, STAGE1, STAGE1_OF, TASKS, TEACHER_FILE,
                        config_path)
from .configs import name_run, prepare_config, schedule_iters
from .layout import final_checkpoint, result_path, run_dir, stage1_dir
from .options import ZooOptions
from .provenance import checkpoint_digests, file_digest, run_code_version
from .training import count_params, train_timed


def zero_neck_gates(src: str, dst: str) -> int:
    """Copy checkpoint ``src`` to ``dst`` with every ProtoAugNeck gate set to zero.

    With zero gates the augmentation neck is the identity: the student is evaluated as if
    the neck were stripped.

    Args:
        src (str): A distiller checkpoint of this zoo's own runs.
        dst (str): The checkpoint to write (``meta`` and ``state_dict``).

    Returns:
        int: The number of gate tensors zeroed.

    Raises:
        KeyError: When ``src`` holds no gates.
    """
    import torch

    from procd_mm.apis.export import zero_gates
    from procd_mm.utils import load_run_checkpoint
    ckpt = load_run_checkpoint(src)
    state = ckpt['state_dict']
    try:
        count = zero_gates(state)
    except KeyError:
        raise KeyError(f'{src} holds no ProtoAugNeck gates (augments.*.gate)') from None
    torch.save(dict(meta=ckpt.get('meta', {}), state_dict=state), dst)
    return count


def last_proto_stats(work_dir: str) -> Dict[str, float]:
    """The last logged ``proto.*`` values of a run (from its scalars.json), if any.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        dict: Value by key of ``PROTO_KEYS``; empty for a run that logged none.
    """
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')) or
                   glob.glob(osp.join(work_dir, '2*', '2*.json')))
    stats: Dict[str, float] = {}
    for path in files:
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                for k in PROTO_KEYS:
                    if k in rec:
                        stats[k] = float(rec[k])
    return stats


def part_alignment(model, data: str) -> Optional[Dict[str, float]]:
    """How the trained distiller's teacher-prototype assignment aligns with object parts on
    the benchmark's val scenes (:mod:`procd_mm.analysis.part_alignment`).

    Args:
        model (torch.nn.Module): The trained model (a wrapper's ``module`` is used).
        data (str): The benchmark folder.

    Returns:
        dict, optional: ``nmi_part`` (NMI of the winning prototype against the part id on
        object locations), ``chance`` (the same with the assignments shuffled) and
        ``bg_mass_share`` (the assignment mass on background); None for a model without a
        teacher-driven prototype head (peers, ``guided=False``) or a benchmark without part
        maps.
    """
    model = getattr(model, 'module', model)
    scenes = osp.join(data, 'scenes')
    if not (getattr(model, 'guided', False) and hasattr(model, 'proto_head')
            and osp.isdir(osp.join(scenes, 'part_dir'))):
        return None
    from procd_mm.analysis.part_alignment import evaluate_part_alignment
    model.eval()
    rows = evaluate_part_alignment(model, scenes, 'val')['rows']
    return dict(nmi_part=rows['model']['nmi_part'], chance=rows['chance_shuffled']['nmi_part'],
                bg_mass_share=rows['model']['bg_mass_share'])


def runner_log_file(runner) -> Optional[str]:
    """The file the runner's logger writes, if any."""
    files = [h.baseFilename for h in runner.logger.handlers if hasattr(h, 'baseFilename')]
    return files[-1] if files else None


def run_stage1(opts: ZooOptions, task: str, method: str, seed: int,
               teacher_ckpt: str) -> dict:
    """Train (or resume, or skip when done) the first stage of a two-stage method.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        method (str): A key of ``STAGE1``.
        seed (int): The seed.
        teacher_ckpt (str): The teacher checkpoint.

    Returns:
        dict: ``checkpoint`` (the trained student's weights alone, ``student.pth``, or the
        backbone's, ``backbone.pth``, of a BackboneDistiller; safe loading reads either),
        ``train_time_s``, ``checkpoints`` (the digests of what it loaded), ``code``,
        ``config`` and ``log`` (published with the run's records).
    """
    work_dir = stage1_dir(opts, task, method, seed)  # a shared one: in its owner's run
    owner = STAGE1_OF.get(method, method)
    done = osp.join(work_dir, 'stage1.json')
    if osp.exists(done):
        with open(done) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    code = run_code_version(opts)
    iters = schedule_iters(opts, task)
    cfg = prepare_config(config_path(task, STAGE1[method]), opts.data, work_dir, seed,
                         teacher_ckpt, opts.quick, iters and max(1, iters // 2),
                         zoo_dir=opts.work_dir)
    name_run(cfg, f'{task}_{owner}_stage1_seed{seed}', work_dir)
    runner, train_time_s = train_timed(cfg, work_dir, f'{task}/{owner}/seed{seed} stage 1')
    import torch
    model = getattr(runner.model, 'module', runner.model)
    meta = dict(stage1_config=config_path(task, STAGE1[method]))
    if hasattr(model, 'student'):  # a distiller: the whole student
        ckpt = osp.join(work_dir, 'student.pth')
        torch.save(dict(state_dict={k: v.detach().cpu()
                                    for k, v in model.student.state_dict().items()},
                        meta=meta), ckpt)
    else:  # BackboneDistiller: its backbone, as BackboneExportHook writes it
        ckpt = osp.join(work_dir, 'backbone.pth')
        save_backbone(model.state_dict(), ckpt, meta)
    info = dict(checkpoint=ckpt, train_time_s=round(train_time_s, 1),
                checkpoints=checkpoint_digests(cfg, work_dir), code=code,
                config=osp.join(work_dir, 'config.py'), log=runner_log_file(runner))
    with open(done, 'w') as f:
        json.dump(info, f)
    return info


def _test_stripped(opts: ZooOptions, cfg, task: str, seed: int, work_dir: str):
    """Test the ``procd`` run's checkpoint with zero neck gates; returns (runner, metrics,
    the ``procd`` run's train time)."""
    src_dir = run_dir(opts, task, 'procd', seed)
    src = final_checkpoint(src_dir)
    if src is None:
        raise RuntimeError(f'procd-strip needs the finished procd run in {src_dir}')
    stripped = osp.join(work_dir, 'stripped.pth')
    zero_neck_gates(src, stripped)
    cfg.load_from = stripped
    runner = build_runner(cfg)
    metrics = runner.test()
    with open(result_path(opts, task, 'procd', seed)) as f:
        train_time_s = json.load(f)['train_time_s']
    return runner, metrics, train_time_s


def run_one(opts: ZooOptions, task: str, method: str, seed: int, teacher_ckpt: str) -> dict:
    """Train and test one (task, method, seed); writes ``result.json`` in its work dir.

    Args:
        opts (ZooOptions): The table's options.
        task (str): The task.
        method (str): The method.
        seed (int): The seed.
        teacher_ckpt (str): The teacher checkpoint the configs' teacher path becomes.

    Returns:
        dict: The result record.
    """
    import torch
    work_dir = run_dir(opts, task, method, seed)
    os.makedirs(work_dir, exist_ok=True)
    code = run_code_version(opts)  # the code at the start of the run
    stage1 = run_stage1(opts, task, method, seed, teacher_ckpt) if method in STAGE1 else None
    cfg = prepare_config(config_path(task, method), opts.data, work_dir, seed, teacher_ckpt,
                         opts.quick, schedule_iters(opts, task), zoo_dir=opts.work_dir,
                         split=opts.split, iter_scale=ITER_SCALE.get(method, 1.0))
    if stage1 is not None:  # the student's backbone, plain or inside a distiller
        student = cfg.model.student if 'student' in cfg.model else cfg.model
        student.backbone.init_cfg.checkpoint = stage1['checkpoint']
    name_run(cfg, f'{task}_{method}_seed{seed}', work_dir)
    if method == 'procd-strip':
        runner, metrics, train_time_s = _test_stripped(opts, cfg, task, seed, work_dir)
    else:
        runner, train_time_s = train_timed(cfg, work_dir, f'{task}/{method}/seed{seed}')
        metrics = runner.test()
    model = runner.model
    parts = None if method == 'procd-strip' else part_alignment(model, opts.data)
    student = getattr(model, 'student', model)
    teacher = getattr(model, 'teacher', None)
    # CocoMetric returns nothing when no box passes the score threshold: that is 0 AP
    metric = float(metrics.get(TASKS[task]['metric'], 0.0))
    if task == 'det':
        metric *= 100  # CocoMetric reports fractions; the table shows AP in percent
    log_file = runner_log_file(runner)
    result = dict(
        task=task, method=method, seed=seed, config=config_path(task, method),
        metric_name=TASKS[task]['metric_name'], metric=round(metric, 3),
        train_time_s=round(train_time_s + (stage1 or {}).get('train_time_s', 0), 1),
        iters=int(cfg.train_cfg.max_iters), quick=bool(opts.quick),
        student_params=count_params(student),
        teacher_params=count_params(teacher) if teacher is not None else 0,
        trainable_params=count_params(model),
        proto=last_proto_stats(work_dir), part_alignment=parts, log=log_file,
        checkpoints={**(stage1 or {}).get('checkpoints', {}),
                     **checkpoint_digests(cfg, work_dir)},
        torch=torch.__version__,
        code=code, **(dict(stage1_code=stage1.get('code'),
                           stage1_checkpoint={stage1['checkpoint']:
                                              file_digest(stage1['checkpoint'])})
                      if stage1 else {}))
    with open(osp.join(work_dir, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    return result


def child_command(opts: ZooOptions, task: str, method: str, seed: int) -> List[str]:
    """The command that runs :func:`run_one` in its own process, with these options.

    Args:
        opts (ZooOptions): The table's options (passed as JSON).
        task (str): The task.
        method (str): The method.
        seed (int): The seed.

    Returns:
        list[str]: The command, to run in the checkout.
    """
    return [sys.executable, '-m', 'procd_mm.zoo.runs', json.dumps(dataclasses.asdict(opts)),
            task, method, str(seed)]


def options_from_json(text: str) -> ZooOptions:
    """The options :func:`child_command` passed.

    Args:
        text (str): ``ZooOptions`` as JSON.

    Returns:
        ZooOptions: The options (lists back to tuples).
    """
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(text).items()}
    return ZooOptions(**fields)


if __name__ == '__main__':  # the child process of child_command
    _opts = options_from_json(sys.argv[1])
    run_one(_opts, sys.argv[2], sys.argv[3], int(sys.argv[4]),
            osp.join(_opts.work_dir, 'teacher', TEACHER_FILE))
