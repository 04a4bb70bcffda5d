# Copyright (c) procd_mm authors. All rights reserved.
"""Train and test one zoo config with config overrides: the diagnosis runs behind the notes
of ``docs/model_zoo.md`` (controls such as the student initialised from, or built on, the
frozen teacher, and single-seed variants of a method).

The run uses the zoo's own preparation (data, seed, teacher checkpoint, test split at the
end) and appends one JSON line with the test metrics to ``--out``::

    python tools/model_zoo/probe_run.py frozen_teacher configs/zoo/det/retinanet_r18_parts_plain.py \\
        --seed 0 --cfg-options model.backbone.frozen_stages=4 model.backbone.norm_eval=True \\
        "model.backbone.init_cfg={'type':'Pretrained','checkpoint':'work_dirs/zoo/teacher/teacher_r18_procd-parts.pth','prefix':'backbone.'}"

Overrides replace values (a dict replaces the whole dict; no merging with the base).
"""
import argparse
import ast
import json
import os
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import run_zoo  # noqa: E402


def parse_value(text: str):
    """A Python literal, or the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def set_key(cfg, key: str, value) -> None:
    """Set a dotted ``key`` of ``cfg`` to ``value`` (replacing, not merging)."""
    *parents, last = key.split('.')
    node = cfg
    for p in parents:
        if p not in node:
            raise KeyError(f'--cfg-options {key}: the config has no "{p}"')
        node = node[p]
    node[last] = value


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('name', help='name of the probe (work dir and result line)')
    parser.add_argument('config', help='a config under configs/zoo/')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--iters', type=int, default=None)
    parser.add_argument('--data', default=run_zoo.DEFAULT_DATA)
    parser.add_argument('--teacher', default=osp.join('work_dirs/zoo/teacher',
                                                      run_zoo.TEACHER_FILE))
    parser.add_argument('--work-dir', default='work_dirs/zoo_probes')
    parser.add_argument('--out', default='work_dirs/zoo_probes/results.jsonl')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE')
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    work_dir = osp.join(args.work_dir, args.name, f'seed{args.seed}')
    cfg = run_zoo.prepare_config(args.config, args.data, work_dir, args.seed, args.teacher,
                                 False, args.iters)
    for item in args.cfg_options:
        key, _, value = item.partition('=')
        set_key(cfg, key, parse_value(value))
    cfg.experiment_name = cfg.visualizer.name = f'{args.name}_seed{args.seed}'
    t0 = time.time()
    runner = run_zoo.build_runner(cfg)
    runner.train()
    train_s = time.time() - t0
    metrics = {k: float(v) for k, v in runner.test().items()}
    result = dict(name=args.name, config=args.config, seed=args.seed,
                  cfg_options=args.cfg_options, code=run_zoo.code_version(), metrics=metrics,
                  train_s=round(train_s, 1))
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out, 'a') as f:
        f.write(json.dumps(result) + '\n')
    print('RESULT', json.dumps(result))
    return result


if __name__ == '__main__':
    main()
