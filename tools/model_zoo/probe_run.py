# Copyright (c) procd_mm authors. All rights reserved.
"""Train and test one zoo config with config overrides: the diagnosis runs behind the notes
of ``docs/model_zoo.md`` (controls such as the student initialised from, or built on, the
frozen teacher, and single-seed variants of a method).

The run uses the zoo's own preparation (data, seed, teacher checkpoint, test split at the
end) and appends one JSON line with the test metrics to ``--out``
(:func:`procd_mm.zoo.probe.probe_run`)::

    python tools/model_zoo/probe_run.py frozen_teacher configs/zoo/det/retinanet_r18_parts_plain.py \\
        --seed 0 --cfg-options model.backbone.frozen_stages=4 model.backbone.norm_eval=True \\
        "model.backbone.init_cfg={'type':'Pretrained','checkpoint':'work_dirs/zoo/teacher/teacher_r18_procd-parts.pth','prefix':'backbone.'}"

Overrides replace values (a dict replaces the whole dict; no merging with the base).
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional

from procd_mm.zoo.benchmarks import PARTS_DATA
from procd_mm.zoo.catalogue import ROOT, TEACHER_FILE
from procd_mm.zoo.probe import probe_run


def main(argv: Optional[List[str]] = None) -> dict:
    """Run the probe the command line asks for.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        dict: The probe's record.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('name', help='name of the probe (work dir and result line)')
    parser.add_argument('config', help='a config under configs/zoo/')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--iters', type=int, default=None)
    parser.add_argument('--data', default=PARTS_DATA)
    parser.add_argument('--teacher', default=osp.join('work_dirs/zoo/teacher', TEACHER_FILE))
    parser.add_argument('--work-dir', default='work_dirs/zoo_probes')
    parser.add_argument('--out', default='work_dirs/zoo_probes/results.jsonl')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='replace the value at KEY with VALUE (a Python literal, else text)')
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    result = probe_run(args.name, args.config, args.seed, args.data, args.teacher,
                       args.work_dir, args.out, args.cfg_options, args.iters)
    print('RESULT', json.dumps(result))
    return result


if __name__ == '__main__':
    main()
