# Copyright (c) procd_mm authors. All rights reserved.
"""Run the model zoo (methods x seeds x tasks) on one benchmark; write its table and metafiles.

Steps, each skipped when its output exists (so the script is resumable; an interrupted run
resumes from its last checkpoint):

1. generate the benchmark (``--benchmark``; ProC-Parts by default,
   ``tools/dataset_converters/make_procd_parts.py``; ``benchmarks.py`` lists the others);
2. pretrain the ResNet-18 teacher on its classification split
   (``configs/zoo/teacher_r18_procd-parts-cls.py``);
3. train and test every (task, method, seed) with MMEngine's Runner; ``procd-strip``
   re-tests the ``procd`` checkpoint with the augmentation neck's gates set to zero (the
   neck is then the identity, as if stripped);
4. write ``docs/model_zoo.md`` (mean +- std over seeds), ``metafile.yml`` and
   ``model-index.yml``, and copy each run's log and config next to the table.

Usage::

    python tools/model_zoo/run_zoo.py                    # full table, seeds 0 1 2, det + seg
    python tools/model_zoo/run_zoo.py --quick            # pipeline check: a few iterations
    python tools/model_zoo/run_zoo.py --tasks det --methods plain procd --seeds 0

``--quick`` writes to ``work_dirs/zoo_quick`` and ``docs/model_zoo_quick.md`` unless told
otherwise, and labels its numbers as a pipeline check, never as results.
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
sys.path.insert(0, osp.join(ROOT, 'tools'))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from benchmarks import BENCHMARKS, generate_benchmark, map_config, retarget  # noqa: E402
from train import build_runner  # noqa: E402
from zoo_stats import mean_std, paired_diff  # noqa: E402

TASKS = {
    'det': dict(stem='retinanet_r18_parts', metric='coco/bbox_mAP', metric_name='bbox mAP',
                student='RetinaNet-R18-FPN', task_name='Object Detection', pwc='box AP', k=32),
    'seg': dict(stem='fcn_r18_parts', metric='mIoU', metric_name='mIoU',
                student='FCN-R18', task_name='Semantic Segmentation', pwc='mIoU', k=8),
}
METHODS = {
    'plain': 'no distillation',
    'fitnet': 'FitNet (feature MSE)',
    'pkd': 'PKD (Pearson feature KD)',
    'pkd-bb': 'PKD on the backbone stages',
    'procd': 'ProC-KD (K={k})',
    'procd-strip': 'ProC-KD, aug. neck stripped at inference',
    'procd-randteacher': 'control: ProC-KD with a random (untrained) teacher',
    'procd-nores': 'ProC-KD, guided pass without the student level',
    'procd-aug': "ProC-KD, guided pass into the aug. neck (guided_input='aug')",
    'procd-noguided': 'ProC-KD, no guided pass (no teacher)',
    'procd-nofeat': 'ProC-KD, no feature loss',
    'procd-k8': 'ProC-KD, K=8',
    'procd-k32': 'ProC-KD, K=32',
    'procd-k72': 'ProC-KD, K=72',
    'init-teacher': 'student backbone initialised from the teacher, then plain',
    'frozen-teacher': 'control: the frozen teacher as the student backbone',
    'dft': 'distill-then-fine-tune (backbone PKD without labels, then plain)',
    # the realistic regime: student backbone pretrained, ResNet-50 teacher
    'pt-plain': 'pretrained student: no distillation',
    'pt-pkd-bb': 'pretrained student: PKD on the backbone stages (R50 teacher)',
    'pt-procd': 'pretrained student: ProC-KD (K={k}, R50 teacher)',
    'pt-procd-randteacher': 'pretrained student: control, ProC-KD with a random R50 teacher',
    'pt-dft': 'pretrained student: distill-then-fine-tune (R50 teacher)',
}
# Methods trained in two stages: the first stage's config (its method name), whose student
# backbone initialises the second stage (the method's own config).
STAGE1 = {'dft': 'dft-distill', 'pt-dft': 'pt-dft-distill'}
TEACHER_CFG = 'configs/zoo/teacher_r18_procd-parts-cls.py'
TEACHER_FILE = 'teacher_r18_procd-parts.pth'
# Classification pretrainings, each written to <work dir>/<name>/<file> (the configs name
# work_dirs/zoo/<name>/<file>). ``split``: a classification split of its own, generated with
# the benchmark's generator (seed, images per class) into <data><suffix>; None: the
# benchmark's own classification split. Each has the role it is named by in the table.
PRETRAIN = {
    'teacher': dict(config=TEACHER_CFG, file=TEACHER_FILE, split=None, role='Teacher'),
    'teacher_r50': dict(config='configs/zoo/teacher_r50_procd-parts-cls-large.py',
                        file='teacher_r50_procd-parts-large.pth',
                        split=dict(suffix='_cls_large', seed=1, cls_train=200, cls_val=20),
                        role='Teacher of the pretrained-student rows'),
    'student_r18': dict(config='configs/zoo/student_r18_procd-parts-cls-pretrain.py',
                        file='student_r18_procd-parts-pretrain.pth',
                        split=dict(suffix='_cls_pretrain', seed=2, cls_train=120, cls_val=20),
                        role='Detector backbone pretraining of the pretrained-student rows'),
    # the segmentor's ResNetV1c-18 (deep stem) on the same classification split
    'student_r18v1c': dict(config='configs/zoo/student_r18v1c_procd-parts-cls-pretrain.py',
                           file='student_r18v1c_procd-parts-pretrain.pth',
                           split=dict(suffix='_cls_pretrain', seed=2, cls_train=120,
                                      cls_val=20),
                           role='Segmentor backbone pretraining of the pretrained-student rows'),
}
DEFAULT_DATA = BENCHMARKS['procd-parts']['data']
QUICK_COUNTS = dict(cls_train=6, cls_val=2, det_train=16, det_val=8, det_test=16)
QUICK_ITERS = 2
PROTO_KEYS = ('proto.assign_entropy', 'proto.usage_entropy', 'proto.num_used')


def code_version() -> str:
    """The checkout's commit, with ``-dirty`` when code or configs (``procd_mm/``,
    ``configs/``, ``tools/``) differ from it; ``unknown`` outside git. Results and logs
    written into ``docs/`` during a run do not count."""
    def git(*cmd):
        return subprocess.run(['git', *cmd], cwd=ROOT, capture_output=True, text=True,
                              timeout=10)
    try:
        head = git('rev-parse', '--short', 'HEAD')
        if head.returncode != 0:
            return 'unknown'
        dirty = git('diff', '--quiet', 'HEAD', '--', 'procd_mm', 'configs', 'tools')
        return head.stdout.strip() + ('-dirty' if dirty.returncode == 1 else '')
    except (OSError, subprocess.SubprocessError):
        return 'unknown'


def file_digest(path: str) -> str:
    """The first 12 hex digits of the file's sha256."""
    with open(path, 'rb') as f:
        return hashlib.file_digest(f, 'sha256').hexdigest()[:12]


def checkpoint_digests(cfg, exclude: str) -> Dict[str, str]:
    """The :func:`file_digest` of every checkpoint file ``cfg.model`` loads (teacher,
    pretrained backbone), by path (relative to the checkout when inside it), leaving out
    those under ``exclude`` (the run's own, e.g. a first stage). Paired runs can then be
    checked to share their pretrainings: another machine pretrains anew, and not bit for
    bit the same."""
    found: Dict[str, str] = {}
    own = osp.abspath(exclude) + os.sep

    def visit(value):
        if isinstance(value, str) and value.endswith('.pth') and osp.isfile(value):
            path = osp.abspath(value)
            if not path.startswith(own):
                inside = path.startswith(ROOT + os.sep)
                found[osp.relpath(path, ROOT) if inside else path] = file_digest(path)
        return value

    map_config(cfg.model.to_dict(), visit)
    return found


def log(msg: str) -> None:
    """Print one progress line with the wall clock."""
    print(f'[zoo {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def config_path(task: str, method: str) -> str:
    """The config (relative to the repository root) that trains ``method`` on ``task``."""
    method = 'procd' if method == 'procd-strip' else method
    return f'configs/zoo/{task}/{TASKS[task]["stem"]}_{method}.py'


def _quick_loaders(cfg) -> None:
    """No worker processes and short intervals, for the pipeline check."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if key in cfg:
            cfg[key]['num_workers'] = 0
            cfg[key]['persistent_workers'] = False
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(cfg.get('log_processor', {}), window_size=1)


def prepare_config(path: str, data: str, work_dir: str, seed: int, teacher_ckpt: str,
                   quick: bool, iters: Optional[int] = None, zoo_dir: str = 'work_dirs/zoo',
                   split: str = 'test'):
    """Load a zoo config and point it at this run's data, work dir, seed and teacher.

    Args:
        path (str): Config path relative to the repository root.
        data (str): The benchmark folder (ProC-Parts or another of ``benchmarks.py``).
        work_dir (str): The run's work dir.
        seed (int): Random seed.
        teacher_ckpt (str): The teacher checkpoint.
        quick (bool): Pipeline-check mode (few iterations, no worker processes).
        iters (int, optional): Override the number of training iterations.
        zoo_dir (str): Where this zoo keeps its pretrained checkpoints: the configs'
            ``work_dirs/zoo/`` paths move there.
        split (str): The split scored after training: ``'test'`` (the tables) or
            ``'val'`` (choosing defaults; the config's val loader and evaluator).

    Returns:
        mmengine.Config: The prepared config.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, path))
    cfg_dict = cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg)
    cfg = Config(retarget(cfg_dict, data, teacher_ckpt, zoo_dir), filename=cfg.filename)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed, deterministic=False)
    iters = QUICK_ITERS if quick and iters is None else iters
    if iters is not None:
        cfg.train_cfg.max_iters = iters
        for sched in cfg.param_scheduler:
            if sched.type == 'MultiStepLR':
                sched.milestones = [max(1, int(iters * 0.8))]
            if sched.type == 'LinearLR':
                sched.end = min(sched.end, max(1, iters // 10))
        cfg.default_hooks.checkpoint.interval = min(cfg.default_hooks.checkpoint.interval,
                                                    iters)
    cfg.train_cfg.val_interval = cfg.train_cfg.max_iters + 1  # the split is scored at the end
    if split == 'val':
        cfg.test_dataloader = cfg.val_dataloader
        cfg.test_evaluator = cfg.val_evaluator
    elif split != 'test':
        raise ValueError(f"split must be 'test' or 'val', got {split!r}")
    cfg.default_hooks.visualization = dict(type=cfg.default_hooks.visualization.type)
    if quick:
        _quick_loaders(cfg)
    return cfg


def count_params(module) -> int:
    """Number of parameters of ``module``."""
    return int(sum(p.numel() for p in module.parameters()))


def zero_neck_gates(src: str, dst: str) -> int:
    """Copy checkpoint ``src`` to ``dst`` with every ProtoAugNeck gate set to zero.

    With zero gates the augmentation neck is the identity: the student is evaluated as if
    the neck were stripped.

    Returns:
        int: The number of gate tensors zeroed (an error if none).
    """
    import torch
    ckpt = torch.load(src, map_location='cpu', weights_only=False)  # our own checkpoint
    state = ckpt['state_dict']
    keys = [k for k in state if re.search(r'augments\.\d+\.gate$', k)]
    if not keys:
        raise KeyError(f'{src} holds no ProtoAugNeck gates (augments.*.gate)')
    for k in keys:
        state[k] = torch.zeros_like(state[k])
    torch.save(dict(meta=ckpt.get('meta', {}), state_dict=state), dst)
    return len(keys)


def _last_proto_stats(work_dir: str) -> Dict[str, float]:
    """Last logged ``proto.*`` values of a run (from its scalars.json), if any."""
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

    Returns:
        dict: ``nmi_part`` (NMI of the winning prototype against the part id on object
        locations), ``chance`` (the same with the assignments shuffled) and
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


def _final_checkpoint(work_dir: str) -> Optional[str]:
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(marker):
        with open(marker) as f:
            path = f.read().strip()
        if osp.exists(path):
            return path
    return None


def split_spec(args, name: str) -> Optional[dict]:
    """The classification split of pretraining ``name`` on this benchmark: ``cls_train``,
    ``cls_val`` (images per class), ``seed`` and ``suffix`` of :data:`PRETRAIN`, with the
    sizes the benchmark's ``pretrain_splits`` overrides; None for the benchmark's own split.

    Raises:
        ValueError: When an override names another key than the sizes, or pretrainings
            that share a folder would need it in different sizes.
    """
    split = PRETRAIN[name].get('split')
    if split is None:
        return None
    bench = args.benchmark
    overrides = BENCHMARKS[bench].get('pretrain_splits', {})
    bad = sorted(set(overrides.get(name, {})) - {'cls_train', 'cls_val'})
    if bad:
        raise ValueError(f"BENCHMARKS[{bench!r}]['pretrain_splits'][{name!r}] may set "
                         f'cls_train and cls_val only, got {bad}')
    sharing = {n: dict(p['split'], **overrides.get(n, {})) for n, p in PRETRAIN.items()
               if (p.get('split') or {}).get('suffix') == split['suffix']}
    if any(v != sharing[name] for v in sharing.values()):
        raise ValueError(f"BENCHMARKS[{bench!r}]['pretrain_splits']: {sorted(sharing)} share "
                         f"the folder <data>{split['suffix']} and need the same sizes")
    spec = dict(sharing[name])
    if args.quick:
        spec.update(cls_train=QUICK_COUNTS['cls_train'], cls_val=QUICK_COUNTS['cls_val'])
    return spec


def _split_record(spec: dict) -> dict:
    return {k: spec[k] for k in ('cls_train', 'cls_val', 'seed')}


def pretrain_split(args, name: str) -> str:
    """The classification data of pretraining ``name``: the benchmark's own, or a separate
    split (:func:`split_spec`) its generator writes once next to it. Returns the folder.

    Raises:
        RuntimeError: When the folder exists with another size or generator seed.
    """
    spec = split_spec(args, name)
    if spec is None:
        return args.data
    folder = args.data + spec['suffix']
    want = _split_record(spec)
    meta = osp.join(folder, 'meta.json')
    if osp.exists(meta):
        with open(meta) as f:
            written = json.load(f)
        have = dict({k: written['counts'].get(k) for k in ('cls_train', 'cls_val')},
                    seed=written.get('seed'))
        if have != want:
            raise RuntimeError(
                f'{folder} holds {have} (images per class, generator seed), '
                f'{BENCHMARKS[args.benchmark]["name"]}\'s pretraining {name!r} needs {want}: '
                f'remove the folder (and {args.work_dir}/{name}, trained on it) to generate '
                'it again')
        return folder
    log(f'data: generating the classification split of {name} in {folder}')
    generate_benchmark(args.benchmark, folder, seed=spec['seed'],
                       counts=dict(cls_train=spec['cls_train'], cls_val=spec['cls_val'],
                                   det_train=0, det_val=0, det_test=0))
    return folder


def check_pretrained(args, name: str) -> None:
    """An existing checkpoint of pretraining ``name`` must come from the split the benchmark
    asks for now (its record's ``split``; records without one are checked by their folder).

    Raises:
        RuntimeError: When it was pretrained on another split.
    """
    spec = split_spec(args, name)
    if spec is None:
        return
    record = osp.join(args.work_dir, name, 'teacher.json')
    used = None
    if osp.exists(record):
        with open(record) as f:
            used = json.load(f).get('split')
    if used is None:
        pretrain_split(args, name)
    elif used != _split_record(spec):
        raise RuntimeError(
            f'{args.work_dir}/{name} was pretrained on {used} (images per class, generator '
            f'seed), {BENCHMARKS[args.benchmark]["name"]}\'s pretraining {name!r} needs '
            f'{_split_record(spec)}: remove {args.work_dir}/{name} and '
            f'{args.data}{spec["suffix"]} to pretrain it again')


def pretrained_path(args, name: str) -> str:
    """The checkpoint of pretraining ``name``: ``<work dir>/<name>/<file>``."""
    return osp.join(args.work_dir, name, PRETRAIN[name]['file'])


def pretrain(args, name: str = 'teacher') -> str:
    """Run pretraining ``name`` of :data:`PRETRAIN` if its checkpoint is missing (resuming
    an interrupted one); returns its :func:`pretrained_path`."""
    spec = PRETRAIN[name]
    out_dir = osp.join(args.work_dir, name)
    dst = pretrained_path(args, name)
    if osp.exists(dst):
        check_pretrained(args, name)
        log(f'{name}: {dst} exists, skipped')
        return dst
    data = pretrain_split(args, name)
    split = split_spec(args, name)
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, spec['config']))
    cfg = Config(retarget(cfg.to_dict(), args.data, zoo_dir=args.work_dir),
                 filename=cfg.filename)
    cfg.work_dir = out_dir
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.visualizer.name = cfg.experiment_name
    if args.quick:
        cfg.train_cfg.max_epochs = 1
        cfg.train_cfg.val_interval = 1
        cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
        _quick_loaders(cfg)
    resumed_from = _final_checkpoint(out_dir)
    arch = f'{cfg.model.backbone.type.split(".")[-1]}-{cfg.model.backbone.depth}'
    log(f'{name}: pretraining {arch} on {data}/cls '
        f'({cfg.train_cfg.max_epochs} epochs)')
    runner, train_time_s = train_timed(cfg, out_dir, name)
    metrics = runner.val_loop.run() if runner.val_loop is not None else {}
    import torch
    # weights only: the distillers load the teacher with torch.load(weights_only=True)
    state = {k: v.detach().cpu() for k, v in runner.model.state_dict().items()}
    torch.save(dict(state_dict=state, meta=dict(config=spec['config'])), dst)
    # over resumes, as far as an interruption let train_timed write it
    info = dict(train_time_s=round(train_time_s, 1),
                resumed_from=osp.basename(resumed_from) if resumed_from else None,
                params=count_params(runner.model),
                backbone_params=count_params(runner.model.backbone),
                accuracy=float(metrics.get('accuracy/top1', float('nan'))),
                depth=int(cfg.model.backbone.depth), arch=arch, data=data,
                split=_split_record(split) if split else None, sha256=file_digest(dst),
                log=runner.logger.handlers[-1].baseFilename
                if hasattr(runner.logger.handlers[-1], 'baseFilename') else None)
    with open(osp.join(out_dir, 'teacher.json'), 'w') as f:
        json.dump(info, f, indent=1)
    log(f'{name}: done in {info["train_time_s"]:.0f}s, val top-1 {info["accuracy"]:.1f}% -> {dst}')
    return dst


def pretrainings_of(task: str, method: str) -> List[str]:
    """The pretrainings ``method``'s model on ``task`` (and its first stage) loads, in the
    order of :data:`PRETRAIN`, by their checkpoint path in the configs' ``model`` (a base file
    may define paths its model does not use)."""
    from mmengine.config import Config
    text = ''.join(repr(Config.fromfile(osp.join(ROOT, config_path(task, s))).model.to_dict())
                   for s in (method, STAGE1.get(method)) if s)
    return [n for n in PRETRAIN if f'work_dirs/zoo/{n}/{PRETRAIN[n]["file"]}' in text]


def needed_pretraining(args) -> List[str]:
    """The pretrainings the planned runs load (:func:`pretrainings_of`), in the order of
    :data:`PRETRAIN`: the ``pt-*`` rows need no ResNet-18 teacher."""
    needed = {n for t, m in {(t, m) for t, m, _ in plan(args)} for n in pretrainings_of(t, m)}
    return [n for n in PRETRAIN if n in needed]


def _teacher_label(task: str, method: str, bench_name: str) -> str:
    """The metafile's ``Teacher``: the teacher pretraining the method's configs load, or the
    distiller's randomly initialised teacher, or ``none``."""
    from mmengine.config import Config
    names = [n for n in pretrainings_of(task, method) if n.startswith('teacher')]
    if names:
        pretrain_cfg = Config.fromfile(osp.join(ROOT, PRETRAIN[names[0]]['config']))
        return f'ResNet-{pretrain_cfg.model.backbone.depth} ({bench_name} cls)'
    teacher = Config.fromfile(osp.join(ROOT, config_path(task, method))).model.get('teacher')
    if isinstance(teacher, dict) and 'depth' in teacher:
        return f'ResNet-{teacher["depth"]}, random init'
    return 'none'


def _name_run(cfg, name: str, work_dir: str) -> None:
    """Give the run its own experiment and visualizer name (in one process a shared name
    would log into the first run's dir) and keep its config in ``work_dir``."""
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    cfg.visualizer.name = cfg.experiment_name
    cfg.dump(osp.join(work_dir, 'config.py'))


def train_timed(cfg, work_dir: str, name: str):
    """Train ``cfg`` (resuming from ``work_dir``'s last checkpoint if any), adding the wall
    time to ``work_dir/timing.json`` also when interrupted.

    Returns:
        tuple: The runner and the run's total train time in seconds (over resumes).
    """
    timing_path = osp.join(work_dir, 'timing.json')
    timing = json.load(open(timing_path)) if osp.exists(timing_path) else dict(train_time_s=0.0)
    last = _final_checkpoint(work_dir)
    if last:
        cfg.resume = True
        log(f'{name}: resuming from {last}')
    t0 = time.time()
    runner = build_runner(cfg)
    try:
        runner.train()
    finally:
        timing['train_time_s'] += time.time() - t0
        with open(timing_path, 'w') as f:
            json.dump(timing, f)
    return runner, timing['train_time_s']


def schedule_iters(args, task: str) -> Optional[int]:
    """Training iterations of ``task``'s runs: ``--iters``, else the benchmark's own schedule
    (``BENCHMARKS[...]['iters']``), else None (each config's own; ``QUICK_ITERS`` with
    ``--quick``)."""
    if args.iters is not None or args.quick:
        return args.iters
    return BENCHMARKS[args.benchmark].get('iters', {}).get(task)


def run_stage1(task: str, method: str, seed: int, args, teacher_ckpt: str) -> dict:
    """Train (or resume, or skip when done) the first stage of a two-stage method.

    Returns:
        dict: ``checkpoint`` (the trained student's weights alone, ``student.pth``, which
        safe loading reads) and ``train_time_s``.
    """
    work_dir = osp.join(run_dir(args, task, method, seed), 'stage1')
    done = osp.join(work_dir, 'stage1.json')
    if osp.exists(done):
        with open(done) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    iters = schedule_iters(args, task)
    cfg = prepare_config(config_path(task, STAGE1[method]), args.data, work_dir, seed,
                         teacher_ckpt, args.quick, iters and max(1, iters // 2),
                         zoo_dir=args.work_dir)
    _name_run(cfg, f'{task}_{method}_stage1_seed{seed}', work_dir)
    runner, train_time_s = train_timed(cfg, work_dir, f'{task}/{method}/seed{seed} stage 1')
    import torch
    student = getattr(runner.model, 'module', runner.model).student
    ckpt = osp.join(work_dir, 'student.pth')
    torch.save(dict(state_dict={k: v.detach().cpu() for k, v in student.state_dict().items()},
                    meta=dict(stage1_config=config_path(task, STAGE1[method]))), ckpt)
    info = dict(checkpoint=ckpt, train_time_s=round(train_time_s, 1),
                checkpoints=checkpoint_digests(cfg, work_dir))
    with open(done, 'w') as f:
        json.dump(info, f)
    return info


def run_one(task: str, method: str, seed: int, args, teacher_ckpt: str) -> dict:
    """Train and test one (task, method, seed); writes ``result.json`` in its work dir.

    Returns:
        dict: The result record.
    """
    import torch
    work_dir = run_dir(args, task, method, seed)
    os.makedirs(work_dir, exist_ok=True)
    stage1 = run_stage1(task, method, seed, args, teacher_ckpt) if method in STAGE1 else None
    cfg = prepare_config(config_path(task, method), args.data, work_dir, seed, teacher_ckpt,
                         args.quick, schedule_iters(args, task), zoo_dir=args.work_dir,
                         split=args.split)
    if stage1 is not None:
        cfg.model.backbone.init_cfg.checkpoint = stage1['checkpoint']
    _name_run(cfg, f'{task}_{method}_seed{seed}', work_dir)
    if method == 'procd-strip':
        src_dir = run_dir(args, task, 'procd', seed)
        src = _final_checkpoint(src_dir)
        if src is None:
            raise RuntimeError(f'procd-strip needs the finished procd run in {src_dir}')
        stripped = osp.join(work_dir, 'stripped.pth')
        zero_neck_gates(src, stripped)
        cfg.load_from = stripped
        runner = build_runner(cfg)
        metrics = runner.test()
        train_time_s = json.load(open(result_path(args, task, 'procd', seed)))['train_time_s']
    else:
        runner, train_time_s = train_timed(cfg, work_dir, f'{task}/{method}/seed{seed}')
        metrics = runner.test()
    model = runner.model
    parts = None if method == 'procd-strip' else part_alignment(model, args.data)
    student = getattr(model, 'student', model)
    teacher = getattr(model, 'teacher', None)
    # CocoMetric returns nothing when no box passes the score threshold: that is 0 AP
    metric = float(metrics.get(TASKS[task]['metric'], 0.0))
    if task == 'det':
        metric *= 100  # CocoMetric reports fractions; the table shows AP in percent
    log_file = None
    for h in runner.logger.handlers:
        if hasattr(h, 'baseFilename'):
            log_file = h.baseFilename
    result = dict(
        task=task, method=method, seed=seed, config=config_path(task, method),
        metric_name=TASKS[task]['metric_name'], metric=round(metric, 3),
        train_time_s=round(train_time_s + (stage1 or {}).get('train_time_s', 0), 1),
        iters=int(cfg.train_cfg.max_iters), quick=bool(args.quick),
        student_params=count_params(student),
        teacher_params=count_params(teacher) if teacher is not None else 0,
        trainable_params=count_params(model),
        proto=_last_proto_stats(work_dir), part_alignment=parts, log=log_file,
        checkpoints={**(stage1 or {}).get('checkpoints', {}),
                     **checkpoint_digests(cfg, work_dir)},
        torch=torch.__version__,
        code=code_version())
    with open(osp.join(work_dir, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    return result


def runs_root(args) -> str:
    """Where the runs of this split live: the work dir, or its ``val/`` for val-split runs
    (the pretrainings in the work dir are shared by both)."""
    return osp.join(args.work_dir, 'val') if args.split == 'val' else args.work_dir


def run_dir(args, task: str, method: str, seed: int) -> str:
    """Work dir of one run."""
    return osp.join(runs_root(args), task, method, f'seed{seed}')


def plan(args) -> List[tuple]:
    """All (task, method, seed) of the table that have a config, ``procd-strip`` after its
    ``procd`` run."""
    jobs = []
    for task in args.tasks:
        for seed in args.seeds:
            for method in args.methods:
                # A K ablation exists only where K differs from the task's default K.
                if osp.exists(osp.join(ROOT, config_path(task, method))):
                    jobs.append((task, method, seed))
    order = {m: i for i, m in enumerate(METHODS)}
    return sorted(jobs, key=lambda j: (j[0], j[2], order[j[1]]))


def _fmt_params(n: int) -> str:
    return f'{n / 1e6:.2f} M' if n else '–'


def published_root(args) -> str:
    """The folder next to the table that receives its runs' and pretrainings' records."""
    return osp.join(osp.dirname(osp.abspath(args.doc)), args.runs_subdir)


def published_dir(args, task: str, method: str, seed: int) -> str:
    """Where a run's log, config and result are copied next to the table."""
    return osp.join(published_root(args), task, method, f'seed{seed}')


def result_path(args, task: str, method: str, seed: int) -> Optional[str]:
    """The run's ``result.json``: in its work dir, else the copy published next to the table
    (a run finished on another machine counts as finished); None when it has neither."""
    for folder in (run_dir(args, task, method, seed), published_dir(args, task, method, seed)):
        if osp.exists(osp.join(folder, 'result.json')):
            return osp.join(folder, 'result.json')
    return None


def records_by_seed(args, task: str, method: str, seeds,
                    accept: Optional[Callable[[dict], bool]] = None) -> Dict[int, dict]:
    """The record of each finished seed of ``method`` on the split ``args`` names (its work
    dir or the record published next to its table); with ``accept``, only the records it
    accepts."""
    out = {}
    for seed in seeds:
        path = result_path(args, task, method, seed)
        if path:
            with open(path) as f:
                record = json.load(f)
            if accept is None or accept(record):
                out[seed] = record
    return out


def metrics_by_seed(args, task: str, method: str, seeds,
                    accept: Optional[Callable[[dict], bool]] = None) -> Dict[int, float]:
    """The metric of each seed :func:`records_by_seed` gives."""
    return {seed: float(r['metric'])
            for seed, r in records_by_seed(args, task, method, seeds, accept).items()}


def collect(args) -> List[dict]:
    """Every finished run's ``result.json`` of the requested table."""
    out = []
    for task, method, seed in plan(args):
        path = result_path(args, task, method, seed)
        if path:
            with open(path) as f:
                out.append(json.load(f))
    return out


def publish_run(args, res: dict) -> Dict[str, str]:
    """Copy a run's log and config next to the table; returns their doc-relative links."""
    doc_dir = osp.dirname(osp.abspath(args.doc))
    dst = published_dir(args, res['task'], res['method'], res['seed'])
    os.makedirs(dst, exist_ok=True)
    src_dir = run_dir(args, res['task'], res['method'], res['seed'])
    links = {}
    for name, src in (('config.py', osp.join(src_dir, 'config.py')),
                      ('run.log', res.get('log')), ('result.json',
                                                    osp.join(src_dir, 'result.json'))):
        if src and osp.exists(src) and osp.abspath(src) != osp.abspath(osp.join(dst, name)):
            shutil.copyfile(src, osp.join(dst, name))
        if osp.exists(osp.join(dst, name)):  # also a copy published from another machine
            links[name] = osp.relpath(osp.join(dst, name), doc_dir)
    return links


# The rows every other row is compared with, seed by seed, within its regime (the
# realistic regime's methods start with 'pt-').
PAIRED_REFS = ('plain', 'procd-randteacher', 'pkd-bb')


def _regime(method: str) -> str:
    return 'pt-' if method.startswith('pt-') else ''


def paired_table(rows: List[dict], spec: dict) -> List[str]:
    """Markdown lines: each method's paired difference (mean over common seeds ± s.e.)
    against the plain student, the random-teacher control and PKD on the backbone stages of
    its own regime."""
    by: Dict[str, Dict[int, float]] = {}
    for r in rows:
        by.setdefault(r['method'], {})[r['seed']] = r['metric']
    if not any(_regime(m) + ref in by for m in by for ref in PAIRED_REFS):
        return []
    lines = [f'Paired differences in {spec["metric_name"]} (same seeds; mean ± standard '
             'error, n seeds), each row against the reference rows of its own regime:', '',
             '| method | − no distillation | − random-teacher control | − PKD on the backbone '
             'stages |', '| --- | --- | --- | --- |']
    for method in [m for m in METHODS if m in by]:
        refs = [_regime(method) + ref for ref in PAIRED_REFS]
        cells = ['–' if m == method or m not in by else paired_diff(by[method], by[m])
                 for m in refs]
        lines.append(f'| {METHODS[method].format(k=spec["k"])} | ' + ' | '.join(cells) + ' |')
    return lines


def _pretraining_id(info: dict) -> tuple:
    """What tells two pretraining records apart: the checkpoint's digest where the record
    has one (the same val top-1 can come from other weights), else val top-1 and split."""
    if info.get('sha256'):
        return ('sha256', info['sha256'])
    return ('accuracy', info.get('accuracy'), repr(info.get('split')))


def pretrain_records(args) -> Dict[str, List[dict]]:
    """Each pretraining's records for the table, all published next to the table.

    The first (``<runs_subdir>/pretrain/<name>.json``) is the pretraining the table's earlier
    runs used. The recipe is not bit-reproducible across machines and thread counts, so a
    pretraining done again elsewhere (another checkpoint digest, or for records without one
    another val top-1) is kept beside it
    (``<name>.again.jsonl``, one record a line): published runs made with it stay explained
    after its work dir is gone. This machine's own record is published when it is new.
    """
    records = {}
    for name in PRETRAIN:
        pub = osp.join(published_root(args), 'pretrain', f'{name}.json')
        again = osp.join(published_root(args), 'pretrain', f'{name}.again.jsonl')
        local = osp.join(args.work_dir, name, 'teacher.json')
        found = []
        if osp.exists(pub):
            with open(pub) as f:
                found.append(json.load(f))
        if osp.exists(again):
            with open(again) as f:
                found += [json.loads(line) for line in f if line.strip()]
        if osp.exists(local):
            with open(local) as f:
                info = json.load(f)
            if not found:
                os.makedirs(osp.dirname(pub), exist_ok=True)
                shutil.copyfile(local, pub)
                found.append(info)
            elif _pretraining_id(info) not in [_pretraining_id(r) for r in found]:
                with open(again, 'a') as f:
                    f.write(json.dumps(info) + '\n')
                found.append(info)
        if found:
            records[name] = found
    return records


def _split_text(info: dict) -> str:
    split = info.get('split')
    return (f' ({split["cls_train"]} images per class, generator seed {split["seed"]})'
            if split else '')


def _digest_text(info: dict) -> str:
    """The checkpoint digest the runs' records name, where the pretraining recorded it."""
    return f' (checkpoint sha256 {info["sha256"]})' if info.get('sha256') else ''


def write_docs(args, results: List[dict], wall_s: float) -> None:
    """Write the table (``args.doc``) and the OpenMMLab metafiles."""
    teacher_info = pretrain_records(args)
    bench = BENCHMARKS[args.benchmark]
    lines = [f'# Model zoo: {bench["name"]}, a cross-task benchmark that runs on 2 CPU cores',
             '']
    if args.quick:
        lines += [
            '> **PIPELINE CHECK ONLY (`--quick`)**: each student trained for '
            f'{results[0]["iters"] if results else QUICK_ITERS} iterations on a reduced data set, '
            'one seed. These numbers check that every step runs; they are **not results**.', '']
    if args.split == 'val':
        lines += [
            '> **VAL SPLIT**: these runs choose the defaults (`docs/plans/one_recipe.md`, '
            '`tools/model_zoo/select_recipe.py`); the results are the test-split tables.', '']
    planned = plan(args)
    if len(results) < len(planned):
        have = {(r['task'], r['method'], r['seed']) for r in results}
        by_run: Dict[str, List[str]] = {}
        for t, m, s in planned:
            if (t, m, s) not in have:
                by_run.setdefault(f'{t}/{m}', []).append(str(s))
        missing = [f'{k} (seeds {",".join(v)})' for k, v in by_run.items()]
        lines += [f'> **Partial table**: {len(results)} of the {len(planned)} planned runs '
                  f'finished; not run: {", ".join(missing)}. Rerun the command below to '
                  'complete it (finished runs are skipped).', '']
    lines += [
        'Generated by `python tools/model_zoo/run_zoo.py '
        + ' '.join(sys.argv[1:]) + '` '
        f'(wall time of this invocation {wall_s / 60:.1f} min; runs already finished '
        'were skipped and keep their own train time).', '',
        f'Data: {bench["name"]} (`tools/dataset_converters/{bench["generator"]}.py`, seed 0). '
        f'{bench["content"]} Each cell is the mean ± sample std over the seeds listed; metrics '
        f'are on the {args.split} split.', '']
    for name, (first, *again) in teacher_info.items():
        arch = first.get('arch', f'ResNet-{first.get("depth", 18)}')
        lines += [f'{PRETRAIN[name]["role"]}: {arch}, '
                  f'{_fmt_params(first.get("backbone_params", 0))} backbone parameters, val '
                  f'top-1 {first.get("accuracy", float("nan")):.1f}% on its own classification '
                  f'split{_split_text(first)}, pretrained in '
                  f'{first.get("train_time_s", 0) / 60:.1f} min{_digest_text(first)}.', '']
        for info in again:
            same = info.get('split') in (None, first.get('split'))
            how = ('again with the same recipe and data (not bit-reproducible across machines)'
                   if same else f'with the same recipe on another split{_split_text(info)}')
            lines += [f'{PRETRAIN[name]["role"]}, pretrained {how}, used by the runs made '
                      f'with it: val top-1 {info.get("accuracy", float("nan")):.1f}%, '
                      f'{info.get("train_time_s", 0) / 60:.1f} min{_digest_text(info)}.', '']
    meta_models = []
    for task in args.tasks:
        spec = TASKS[task]
        rows = [r for r in results if r['task'] == task]
        if not rows:
            continue
        lines += [f'## {spec["task_name"]}: {spec["student"]} student', '',
                  f'| method | {spec["metric_name"]} | seeds | student params | teacher params '
                  '| train time / run | proto usage entropy | part NMI (chance) | config | logs |',
                  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
        for method in [m for m in METHODS if m in args.methods]:
            runs = sorted([r for r in rows if r['method'] == method], key=lambda r: r['seed'])
            if not runs:
                continue
            values = [r['metric'] for r in runs]
            links = [publish_run(args, r) for r in runs]
            log_links = ', '.join(
                f'[s{r["seed"]}]({lk["run.log"]})' for r, lk in zip(runs, links) if 'run.log' in lk)
            cfg_link = osp.relpath(osp.join(ROOT, runs[0]['config']),
                                   osp.dirname(osp.abspath(args.doc)))
            ent = [r['proto'].get('proto.usage_entropy') for r in runs if r.get('proto')]
            ent = [e for e in ent if e is not None]
            aligned = [r['part_alignment'] for r in runs if r.get('part_alignment')]
            nmi = (f'{mean_std([a["nmi_part"] for a in aligned], 3)} '
                   f'({mean_std([a["chance"] for a in aligned], 3)})' if aligned else '–')
            train_min = sum(r['train_time_s'] for r in runs) / len(runs) / 60
            label = METHODS[method].format(k=spec['k'])
            lines.append(
                f'| {label} | {mean_std(values)} | '
                f'{",".join(str(r["seed"]) for r in runs)} | {_fmt_params(runs[0]["student_params"])} | '
                f'{_fmt_params(runs[0]["teacher_params"])} | {train_min:.1f} min | '
                f'{mean_std(ent) if ent else "–"} | {nmi} | [config]({cfg_link}) | {log_links} |')
            meta_models.append(dict(
                Name=f'{spec["stem"]}_{method}' + ('_quick' if args.quick else ''),
                **{'In Collection': 'ProC-KD'},
                Config=runs[0]['config'],
                Metadata={'Training Data': bench['name'], 'Student': spec['student'],
                          'Teacher': _teacher_label(task, method, bench['name']),
                          'Method': label, 'Seeds': [r['seed'] for r in runs],
                          'Iterations': runs[0]['iters'],
                          'Parameters': runs[0]['student_params'],
                          'Training Time (s)': round(train_min * 60, 1),
                          'Pipeline check only': bool(args.quick)},
                Results=[dict(Task=spec['task_name'], Dataset=bench['name'],
                              Metrics={spec['pwc']: round(sum(values) / len(values), 2)})],
                Weights=None))
        lines += ['', *paired_table(rows, spec), '']
    lines += [
        'Columns: *student params* counts the deployed student (with the augmentation neck for '
        'ProC-KD); *teacher params* the frozen teacher, used only while training; *train time* '
        'is the wall time of training on 2 CPU cores (testing excluded); *part NMI* is the NMI '
        'of the teacher\'s prototype assignment against the object parts on the val scenes '
        '(`tools/analysis/part_alignment.py`; in brackets with the assignments shuffled; '
        'benchmarks with part maps, runs that recorded it); *proto usage entropy* '
        'is the last logged `proto.usage_entropy` (1 = all prototypes used evenly, 0 = '
        'collapse). *aug. neck stripped* re-tests the ProC-KD checkpoint with the neck gates '
        'zeroed (no retraining).', '']
    if args.notes and osp.exists(args.notes):
        with open(args.notes) as f:
            lines += [f.read().rstrip(), '']
    os.makedirs(osp.dirname(osp.abspath(args.doc)), exist_ok=True)
    with open(args.doc, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(line for line in lines if line.startswith(('|', '#', '>'))), flush=True)
    import yaml
    meta = dict(
        Collections=[dict(
            Name='ProC-KD',
            Metadata={'Training Data': bench['name'], 'Training Resources': '2 CPU cores'},
            Paper=dict(URL='https://arxiv.org/abs/2212.13180',
                       Title='Prototype-guided Cross-task Knowledge Distillation'),
            README=osp.relpath(args.doc, osp.dirname(osp.abspath(args.metafile))))],
        Models=meta_models)
    for path in (args.metafile, args.model_index):  # a table-only call may precede the work dir
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(args.metafile, 'w') as f:
        yaml.safe_dump(meta, f, sort_keys=False, allow_unicode=True)
    with open(args.model_index, 'w') as f:
        yaml.safe_dump(dict(Import=[osp.relpath(args.metafile,
                                                osp.dirname(osp.abspath(args.model_index)))]),
                       f, sort_keys=False)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Run the model zoo on one benchmark.')
    parser.add_argument('--quick', action='store_true',
                        help=f'pipeline check: {QUICK_ITERS} iterations, reduced data, one seed')
    parser.add_argument('--seeds', type=int, nargs='+', default=None,
                        help='seeds (default 0 1 2; 0 with --quick)')
    parser.add_argument('--tasks', nargs='+', choices=list(TASKS), default=list(TASKS))
    parser.add_argument('--methods', nargs='+', choices=list(METHODS), default=list(METHODS))
    parser.add_argument('--split', choices=['test', 'val'], default='test',
                        help='the split scored: test (the tables) or val (choosing defaults, '
                        'docs/plans/one_recipe.md; its own table, runs and metafiles)')
    parser.add_argument('--iters', type=int, default=None,
                        help='override the training iterations of every run')
    parser.add_argument('--benchmark', choices=list(BENCHMARKS), default='procd-parts',
                        help='which benchmark (its generator, data folder and table)')
    parser.add_argument('--data', default=None,
                        help="the benchmark's folder (generated when missing)")
    parser.add_argument('--work-dir', default=None, help='where runs are kept')
    parser.add_argument('--doc', default=None, help='the markdown table to write')
    parser.add_argument('--metafile', default=None)
    parser.add_argument('--model-index', default=None)
    parser.add_argument('--runs-subdir', default=None,
                        help='folder (next to --doc) receiving each run\'s log and config')
    parser.add_argument('--notes', default=None,
                        help='a markdown file appended to the table (findings, caveats)')
    parser.add_argument('--max-minutes', type=float, default=None,
                        help='start no new run after this many minutes (table still written)')
    parser.add_argument('--pretrain-only', action='store_true',
                        help='run (or check) the pretrainings the planned runs need, and stop: '
                        'how a split size is fixed on the pretrainings alone')
    parser.add_argument('--subprocess', action='store_true',
                        help='run each training in its own process (default without --quick)')
    parser.add_argument('--one', nargs=3, metavar=('TASK', 'METHOD', 'SEED'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    q = args.quick
    bench = BENCHMARKS[args.benchmark]
    args.seeds = args.seeds if args.seeds is not None else ([0] if q else [0, 1, 2])
    args.data = args.data or (bench['data'] + ('_quick' if q else ''))
    args.work_dir = args.work_dir or (bench['work_dir'] + ('_quick' if q else ''))
    val = args.split == 'val'
    suffix = ('_quick' if q else '') + ('_val' if val else '')
    args.doc = args.doc or bench['doc'][:-3] + suffix + '.md'
    # pipeline checks and val runs keep their metafiles beside their runs, not in the zoo's
    args.metafile = args.metafile or (
        osp.join(runs_root(args), 'metafile.yml') if q or val else bench['metafile'])
    args.model_index = args.model_index or (
        osp.join(runs_root(args), 'model-index.yml') if q or val else bench['model_index'])
    args.runs_subdir = args.runs_subdir or bench['runs_subdir'].replace('_runs',
                                                                        suffix + '_runs')
    if 'procd-strip' in args.methods and 'procd' not in args.methods:
        args.methods = [*args.methods, 'procd']
    return args


def _child_argv(args, job) -> List[str]:
    argv = [sys.executable, osp.abspath(__file__), '--one', job[0], job[1], str(job[2]),
            '--benchmark', args.benchmark, '--data', args.data, '--work-dir', args.work_dir,
            '--doc', args.doc,
            '--metafile', args.metafile, '--model-index', args.model_index,
            '--split', args.split]
    if args.quick:
        argv.append('--quick')
    if args.iters is not None:
        argv += ['--iters', str(args.iters)]
    return argv


def main(argv=None) -> int:
    args = parse_args(argv)
    os.chdir(ROOT)
    t_start = time.time()
    if args.one:
        task, method, seed = args.one
        run_one(task, method, int(seed), args, osp.join(args.work_dir, 'teacher', TEACHER_FILE))
        return 0

    if not osp.exists(osp.join(args.data, 'meta.json')):
        log(f'data: generating {BENCHMARKS[args.benchmark]["name"]} in {args.data}')
        generate_benchmark(args.benchmark, args.data,
                           counts=QUICK_COUNTS if args.quick else None)
    else:
        log(f'data: {args.data} exists, skipped')
    if args.pretrain_only:
        for name in needed_pretraining(args):
            pretrain(args, name)
            with open(osp.join(args.work_dir, name, 'teacher.json')) as f:
                info = json.load(f)
            split = info.get('split') or "the benchmark's own"
            log(f'{name}: val top-1 {info.get("accuracy", float("nan")):.1f}% (split {split})')
        return 0
    # Pretrainings run just before the first run that trains, so a table-only call
    # (--max-minutes 0, or every run finished) costs no pretraining.
    teacher_ckpt = None
    jobs = plan(args)
    done_times = []
    for i, (task, method, seed) in enumerate(jobs, 1):
        name = f'{task}/{method}/seed{seed}'
        done = result_path(args, task, method, seed)
        if done:
            res = json.load(open(done))
            log(f'[{i}/{len(jobs)}] {name}: done before ({res["metric_name"]} {res["metric"]:.2f})'
                ', skipped')
            continue
        if args.max_minutes is not None and time.time() - t_start > 60 * args.max_minutes:
            log(f'[{i}/{len(jobs)}] {name}: --max-minutes {args.max_minutes} reached, not '
                'started; the table is written with what finished')
            break
        if teacher_ckpt is None:
            for pre in needed_pretraining(args):
                pretrain(args, pre)
            teacher_ckpt = pretrained_path(args, 'teacher')
        left = len(jobs) - i + 1
        eta = f', ETA {left * sum(done_times) / len(done_times) / 60:.0f} min' \
            if done_times else ''
        log(f'[{i}/{len(jobs)}] {name}: running ({config_path(task, method)}{eta})')
        t0 = time.time()
        if args.subprocess or not args.quick:
            proc = subprocess.run(_child_argv(args, (task, method, seed)), cwd=ROOT)
            if proc.returncode != 0:
                log(f'[{i}/{len(jobs)}] {name}: FAILED (exit {proc.returncode}); rerun to resume')
                return proc.returncode
            res = json.load(open(osp.join(run_dir(args, task, method, seed), 'result.json')))
        else:
            res = run_one(task, method, seed, args, teacher_ckpt)
        done_times.append(time.time() - t0)
        log(f'[{i}/{len(jobs)}] {name}: {res["metric_name"]} {res["metric"]:.2f} '
            f'in {done_times[-1]:.0f}s')
    results = collect(args)
    write_docs(args, results, time.time() - t_start)
    log(f'table written to {args.doc} ({len(results)} runs; {(time.time() - t_start) / 60:.1f} min)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
