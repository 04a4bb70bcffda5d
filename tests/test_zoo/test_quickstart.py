# Copyright (c) procd_mm authors. All rights reserved.
"""tools/quickstart.sh: valid bash, and the zoo command it runs is one run_zoo.py accepts."""
import json
import os.path as osp
import re
import shlex
import subprocess
import sys

import pytest

from procd_mm.zoo.catalogue import ROOT

SCRIPT = osp.join(ROOT, 'tools', 'quickstart.sh')


def test_is_valid_bash_and_installs_first():
    subprocess.run(['bash', '-n', SCRIPT], check=True)
    text = open(SCRIPT).read()
    order = [text.index(s) for s in ('\nbash tools/install.sh',
                                     '"$PY" tools/dataset_converters/make_procd_parts.py',
                                     '"$PY" tools/model_zoo/run_zoo.py')]
    assert order == sorted(order)


@pytest.mark.slow
def test_zoo_command_parses_to_plain_and_procd_detection():
    text = open(SCRIPT).read().replace('\\\n', ' ')
    line = re.search(r'"\$PY" tools/model_zoo/run_zoo\.py([^\n]*)', text).group(1)
    argv = shlex.split(line.replace('"$SEED"', '0'))
    proc = subprocess.run([sys.executable, 'tools/model_zoo/run_zoo.py', *argv, '--dry-run'],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    opts, *runs = proc.stdout.splitlines()
    opts = json.loads(opts)
    assert opts['tasks'] == ['det'] and opts['methods'] == ['plain', 'procd']
    assert opts['seeds'] == [0] and runs == ['det/plain/seed0', 'det/procd/seed0']
    assert not opts['quick'] and opts['work_dir'] == 'work_dirs/zoo'
    assert opts['doc'] != 'docs/model_zoo.md'  # the quickstart never overwrites the table


def test_prints_the_headline_table():
    text = open(SCRIPT).read()
    assert '"$PY" tools/model_zoo/headline.py --out \'\'' in text
    assert text.index('model_zoo/headline.py') > text.index('"$PY" tools/model_zoo/run_zoo.py')


def test_compares_with_the_zoos_own_runs_through_the_package():
    text = open(SCRIPT).read()
    assert 'from procd_mm.zoo.stats import mean_std, paired_diff' in text
    assert 'sys.path' not in text
