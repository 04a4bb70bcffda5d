# Copyright (c) procd_mm authors. All rights reserved.
"""Speed and memory of ProC-KD (or of distillation pretraining) against the plain student,
in one process, same batches.

Usage::

    python tools/benchmark.py CONFIG [--device cpu|cuda] [--amp] [--iters N] [--warmup W]
        [--img-size H W] [--batch B] [--cfg-options k=v ...]

Measured, round-robin per iteration so that every configuration sees the same machine
state and the same batch:

- train step (preprocess, forward, backward, SGD step) of (a) the plain student built from
  ``cfg.model.student``; (b) the student under ProC-KD with the guided path off and on, split
  into the teacher's forward and the rest (on CUDA the teacher's span between two CUDA
  events, with no synchronisation inside the step, so host and GPU overlap as in training;
  the whole-step time is then the figure to compare);
- inference (``test_step``, post-processing included) of the exported student with the
  augmentation neck, stripped, and of the plain student, all three with the plain
  student's weights (the neck's gate at its zero init: same boxes, same post-processing);
- for a distillation-pretraining config (``BackboneDistiller``): its step (the teacher's
  forward split out) and images/s against the plain student's training step;
- peak memory of each train step, in a separate pass after the timing:
  ``torch.cuda.max_memory_allocated`` on CUDA; on CPU the
  peak resident set size during the step minus the size when it started (sampled every
  millisecond by a thread; glibc's mmap threshold is fixed at 128 KiB so that freed
  tensors leave the resident set), an approximation.

Weights do not matter for timing: the teacher keeps random weights (``teacher_ckpt=None``,
no download), pretrained ``init_cfg`` is not loaded, SyncBN becomes BN, and mmseg's
``data_preprocessor.size`` is set to ``--img-size``. Times are medians in ms. Each ratio with
a target says whether it met it.
"""
import argparse
import copy
import os
import os.path as osp
import statistics
import threading
import time
from typing import Callable, Dict, List, Optional

import torch

from procd_mm.apis import (RunConfigError, add_bench_arguments, amp_dtype, build_model,
                           check_bench_arguments, load_bench_config, make_batch, train_step_fn)

from procd_mm.apis.export import export_student, with_aug_neck


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Command-line arguments of ``tools/benchmark.py``."""
    parser = argparse.ArgumentParser(description='ProC-KD speed and memory benchmark')
    parser.add_argument('config', help='a ProC-KD (distiller) or pretraining config')
    add_bench_arguments(parser)
    parser.add_argument('--iters', type=int, default=10, help='measured iterations')
    parser.add_argument('--warmup', type=int, default=2, help='iterations not measured')
    args = parser.parse_args(argv)
    check_bench_arguments(parser, args)
    if args.iters < 1 or args.warmup < 0:
        parser.error('--iters >= 1 and --warmup >= 0 are required')
    return args


# -- measuring ------------------------------------------------------------------------
class PeakRSS:
    """Peak resident set size (bytes) of this process above a baseline, from a thread."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.page = os.sysconf('SC_PAGE_SIZE')
        self.peak = 0
        self._stop = threading.Event()

    def rss(self) -> int:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * self.page

    def __enter__(self) -> 'PeakRSS':
        self.base = self.rss()
        self.peak = self.base
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def used(self) -> int:
        return self.peak - self.base


class Bench:
    """Clock and memory meter for one device."""

    def __init__(self, device: str, amp: bool, clock: str = 'wall') -> None:
        self.device = device
        self.amp = amp
        self.now = time.thread_time if clock == 'cpu' else time.perf_counter
        self.amp_dtype = amp_dtype(device)

    def sync(self) -> None:
        if self.device == 'cuda':
            torch.cuda.synchronize()

    def autocast(self):
        return torch.autocast(device_type=self.device, dtype=self.amp_dtype, enabled=self.amp)

    def time(self, fn: Callable[[], None]) -> float:
        """Seconds of one call of ``fn``."""
        self.sync()
        t0 = self.now()
        fn()
        self.sync()
        return self.now() - t0

    def memory(self, fn: Callable[[], None]) -> int:
        """Peak bytes of one call of ``fn`` above what was allocated before it.

        On CPU, call :meth:`track_cpu_memory` first.
        """
        if self.device == 'cuda':
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            fn()
            self.sync()
            return torch.cuda.max_memory_allocated() - base
        if self.libc is not None:
            self.libc.malloc_trim(0)
        with PeakRSS() as mem:
            fn()
        return mem.used

    def track_cpu_memory(self) -> None:
        """Make the resident set follow the live tensors (after timing: it slows
        allocation): a fixed glibc mmap threshold returns every large block on free."""
        self.libc = None
        if self.device != 'cpu':
            return
        import ctypes
        try:
            self.libc = ctypes.CDLL('libc.so.6')
        except OSError:
            return
        self.libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD; disables its growth


def infer_fn(model, data: dict, bench: Bench) -> Callable[[], None]:
    """One inference call (``test_step``, post-processing included)."""
    model.eval()

    def step() -> None:
        with torch.no_grad(), bench.autocast():
            model.test_step(copy.copy(data))

    return step


def inference_models(plain, distiller, student_cfg):
    """The plain student, the exported student stripped and with the augmentation neck,
    all with the plain student's weights (the neck's gate at its zero init), so that the
    three give the same boxes and post-processing costs the same."""
    plain = copy.deepcopy(plain)
    stripped, _ = export_student(copy.deepcopy(distiller), student_cfg, strip_aug=True)
    stripped.load_state_dict(plain.state_dict())  # strict: stripped is the plain student
    return plain, stripped, with_aug_neck(stripped, distiller.aug_neck)


def time_teacher(distiller, bench: Bench, record: List) -> None:
    """Record the time of every teacher forward of ``distiller`` (instance-level wrap).

    On CUDA the forward is bracketed by CUDA events, read after the step: no
    synchronisation inside the step, so the host may queue the student's work while the
    GPU still runs the teacher, as in training. Elsewhere, the clock's seconds.
    """
    forward = distiller.teacher_forward

    def timed(inputs):
        if bench.device == 'cuda':
            start, end = (torch.cuda.Event(enable_timing=True) for _ in range(2))
            start.record()
            out = forward(inputs)
            end.record()
            record.append((start, end))
            return out
        t0 = bench.now()
        out = forward(inputs)
        record.append(bench.now() - t0)
        return out

    distiller.teacher_forward = timed


def seconds(records: List) -> List[float]:
    """Seconds of recorded teacher forwards (CUDA event pairs are read here, after the
    steps' synchronisation)."""
    return [r[0].elapsed_time(r[1]) / 1e3 if isinstance(r, tuple) else r for r in records]


def median_ms(xs: List[float]) -> float:
    return 1e3 * statistics.median(xs)


# The ratio each row should reach: (comparison, bound). Stripped is the plain network.
TARGETS = {
    'train: ProC-KD, guided off': ('<=', 1.15),
    'train: ProC-KD, guided on': ('<=', 1.6),
    'infer: exported, aug neck': ('<=', 1.10),
    'infer: exported, stripped': ('=', 1.00),
}
# The stripped student is the plain student's module tree: its ratio is 1 up to timing noise.
EQUAL_WITHIN = 0.05


def target_verdict(name: str, ratio: float) -> str:
    """``'<= 1.15 met'`` / ``'<= 1.15 MISSED'`` for a row with a target, else ``'-'``;
    ``'='`` holds within ``EQUAL_WITHIN`` (timing noise), said as ``'= 1.00 ± 0.05'``.

    Args:
        name (str): The row's name.
        ratio (float): Its ratio.

    Returns:
        str: The target and whether ``ratio`` met it.
    """
    if name not in TARGETS:
        return '-'
    op, bound = TARGETS[name]
    if op == '=':
        met = abs(round(ratio, 2) - bound) <= EQUAL_WITHIN + 1e-9
        return f"= {bound:.2f} ± {EQUAL_WITHIN:.2f} {'met' if met else 'MISSED'}"
    met = round(ratio, 2) <= bound
    return f"{op} {bound:.2f} {'met' if met else 'MISSED'}"


def measure(runs: Dict[str, Callable[[], None]], bench: Bench, args: argparse.Namespace,
            teacher_records: List[List]) -> tuple:
    """Time ``runs`` round-robin (``args.warmup`` then ``args.iters`` iterations), then
    their peak memory in a separate pass; returns (median ms, MiB) by run name.
    ``teacher_records`` are emptied after the warm-up."""
    times: Dict[str, List[float]] = {k: [] for k in runs}
    for it in range(args.warmup + args.iters):
        if it == args.warmup:
            for record in teacher_records:
                record.clear()
        for name, fn in runs.items():
            dt = bench.time(fn)
            if it >= args.warmup:
                times[name].append(dt)
    bench.track_cpu_memory()
    mems: Dict[str, List[int]] = {k: [] for k in runs}
    for _ in range(2):  # separate from the timing: the CPU meter slows allocation
        for name, fn in runs.items():
            mems[name].append(bench.memory(fn))
    return ({k: median_ms(v) for k, v in times.items()},
            {k: v[-1] / 2**20 for k, v in mems.items()})


def device_name(args: argparse.Namespace) -> str:
    return torch.cuda.get_device_name() if args.device == 'cuda' else \
        f'cpu ({torch.get_num_threads()} threads, {args.clock} clock)'


def pretraining(args: argparse.Namespace, cfg, bench: Bench, plain) -> None:
    """A BackboneDistiller config: its step on the same images against the student's plain
    training step (images/s, the teacher's share, peak memory)."""
    distiller = build_model(cfg.model, args.device)
    data = make_batch(plain, args.batch, args.img_size)
    teacher: List = []
    time_teacher(distiller, bench, teacher)
    runs = {
        'train: plain student': train_step_fn(plain, data, args.device, args.amp),
        'pretrain: distillation': train_step_fn(distiller, dict(inputs=data['inputs']),
                                                args.device, args.amp),
    }
    t, m = measure(runs, bench, args, [teacher])
    t_teacher = median_ms(seconds(teacher))
    print(f'\n{osp.basename(args.config)}: pretraining the backbone of a '
          f"{type(plain).__name__} student, {cfg.model.objective.get('type')}, teacher "
          f"{cfg.model.teacher.get('type')} {cfg.model.teacher.get('arch', '')} (random "
          f'weights), batch {args.batch} x {args.img_size[0]}x{args.img_size[1]}, '
          f"{device_name(args)}, amp {'on' if args.amp else 'off'}, median of {args.iters} "
          f'iters after {args.warmup} warm-up')
    mem_name = 'peak alloc MiB' if args.device == 'cuda' else 'peak RSS+ MiB'
    print(f"| {'run':24s} | {'total ms':>9s} | {'teacher ms':>10s} | {'images/s':>8s} | "
          f"{'total ratio':>11s} | {mem_name:>14s} |")
    print('|' + '|'.join('-' * (n + 2) for n in (24, 9, 10, 8, 11, 14)) + '|')
    base = t['train: plain student']
    for name, total in t.items():
        teacher_s = f'{t_teacher:10.1f}' if name.startswith('pretrain') else f"{'-':>10s}"
        print(f'| {name:24s} | {total:9.1f} | {teacher_s} | '
              f'{1e3 * args.batch / total:8.2f} | {total / base:11.2f} | {m[name]:14.1f} |')
    print('total ratio: step time / the plain student\'s training step on the same images.')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        cfg = load_bench_config(args.config, args.cfg_options, args.img_size)
    except RunConfigError as e:
        raise SystemExit(str(e)) from None
    if args.clock == 'cpu':
        torch.set_num_threads(1)
    bench = Bench(args.device, args.amp, args.clock)
    torch.manual_seed(0)

    plain = build_model(cfg.model.student, args.device)
    from mmdet.models.detectors.base import BaseDetector
    if args.amp and args.device == 'cpu' and isinstance(plain, BaseDetector):
        raise SystemExit('benchmark.py: --amp on CPU autocasts to bfloat16, and mmcv\'s CPU '
                         'NMS takes no bfloat16 (detectors); use --amp with --device cuda, '
                         'or leave it off on CPU')
    if cfg.model.type.split('.')[-1] == 'BackboneDistiller':
        return pretraining(args, cfg, bench, plain)
    on = build_model(dict(cfg.model, guided=True), args.device)
    off = build_model(dict(cfg.model, guided=False), args.device)
    data = make_batch(plain, args.batch, args.img_size)
    teacher_on: List[float] = []
    teacher_off: List[float] = []
    time_teacher(on, bench, teacher_on)
    time_teacher(off, bench, teacher_off)

    plain_infer_model, stripped, with_aug = inference_models(plain, on, cfg.model.student)
    runs: Dict[str, Callable[[], None]] = {
        'train: plain student': train_step_fn(plain, data, args.device, args.amp),
        'train: ProC-KD, guided off': train_step_fn(off, data, args.device, args.amp),
        'train: ProC-KD, guided on': train_step_fn(on, data, args.device, args.amp),
        'infer: plain student': infer_fn(plain_infer_model, data, bench),
        'infer: exported, aug neck': infer_fn(with_aug, data, bench),
        'infer: exported, stripped': infer_fn(stripped, data, bench),
    }
    t, m = measure(runs, bench, args, [teacher_on, teacher_off])
    teacher_off, teacher_on = seconds(teacher_off), seconds(teacher_on)  # timed iterations
    plain_train, plain_infer = t['train: plain student'], t['infer: plain student']
    # guided off is the no-teacher control: its teacher never runs
    t_off = median_ms(teacher_off) if teacher_off else None
    t_on = median_ms(teacher_on)
    rows = [
        ('train: plain student', plain_train, None, 1.0),
        ('train: ProC-KD, guided off', t['train: ProC-KD, guided off'], t_off,
         (t['train: ProC-KD, guided off'] - (t_off or 0.0)) / plain_train),
        ('train: ProC-KD, guided on', t['train: ProC-KD, guided on'], t_on,
         (t['train: ProC-KD, guided on'] - t_on) / plain_train),
        ('infer: plain student', plain_infer, None, 1.0),
        ('infer: exported, aug neck', t['infer: exported, aug neck'], None,
         t['infer: exported, aug neck'] / plain_infer),
        ('infer: exported, stripped', t['infer: exported, stripped'], None,
         t['infer: exported, stripped'] / plain_infer),
    ]
    dev = device_name(args)
    print(f'\n{osp.basename(args.config)}: {type(plain).__name__} student, teacher '
          f"{cfg.model.teacher.get('type')} {cfg.model.teacher.get('arch', '')} (random "
          f'weights), batch {args.batch} x {args.img_size[0]}x{args.img_size[1]}, {dev}, '
          f"amp {'on' if args.amp else 'off'}, median of {args.iters} iters "
          f'after {args.warmup} warm-up')
    mem_name = 'peak alloc MiB' if args.device == 'cuda' else 'peak RSS+ MiB'
    print(f"| {'run':28s} | {'total ms':>9s} | {'teacher ms':>10s} | "
          f"{'w/o teacher ms':>14s} | {'ratio':>6s} | {'total ratio':>11s} | {mem_name:>14s} | "
          f"{'ratio target':>16s} |")
    print('|' + '|'.join('-' * (n + 2) for n in (28, 9, 10, 14, 6, 11, 14, 16)) + '|')
    for name, total, teacher, ratio in rows:
        base = plain_train if name.startswith('train') else plain_infer
        rest = total - teacher if teacher is not None else total
        teacher_s = f'{teacher:10.1f}' if teacher is not None else f"{'-':>10s}"
        mem = f'{m[name]:14.1f}' if name.startswith('train') else f"{'-':>14s}"
        print(f'| {name:28s} | {total:9.1f} | {teacher_s} | {rest:14.1f} | {ratio:6.2f} | '
              f'{total / base:11.2f} | {mem} | {target_verdict(name, ratio):>16s} |')
    print('ratio: time without the teacher forward / plain student (train rows); '
          'latency / plain student (infer rows); "ratio target" says whether it met its '
          'target.')


if __name__ == '__main__':
    main()
