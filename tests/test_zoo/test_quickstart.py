# Copyright (c) procd_mm authors. All rights reserved.
"""tools/quickstart.sh: valid bash, and the zoo command it runs is one run_zoo.py accepts."""
import os.path as osp
import re
import shlex
import subprocess

from zoo_testing import ROOT, load_tool

SCRIPT = osp.join(ROOT, 'tools', 'quickstart.sh')


def test_is_valid_bash_and_installs_first():
    subprocess.run(['bash', '-n', SCRIPT], check=True)
    text = open(SCRIPT).read()
    order = [text.index(s) for s in ('\nbash tools/install.sh',
                                     '"$PY" tools/dataset_converters/make_procd_parts.py',
                                     '"$PY" tools/model_zoo/run_zoo.py')]
    assert order == sorted(order)


def test_zoo_command_parses_to_plain_and_procd_detection():
    text = open(SCRIPT).read().replace('\\\n', ' ')
    line = re.search(r'"\$PY" tools/model_zoo/run_zoo\.py([^\n]*)', text).group(1)
    argv = shlex.split(line.replace('"$SEED"', '0'))
    args = load_tool('tools/model_zoo/run_zoo.py').parse_args(argv)
    assert args.tasks == ['det'] and args.methods == ['plain', 'procd'] and args.seeds == [0]
    assert not args.quick and args.work_dir == 'work_dirs/zoo'
    assert args.doc != 'docs/model_zoo.md'  # the quickstart never overwrites the table


def test_prints_the_headline_table():
    text = open(SCRIPT).read()
    assert '"$PY" tools/model_zoo/headline.py --out \'\'' in text
    assert text.index('model_zoo/headline.py') > text.index('"$PY" tools/model_zoo/run_zoo.py')
