# Copyright (c) procd_mm authors. All rights reserved.
"""Importing procd_mm changes nothing outside it (checked in a fresh interpreter)."""
import json
import subprocess
import sys

from mm_testing import ROOT

# Prints MMEngine's global state that a package could patch, before and after importing
# every procd_mm package, then after register_all_modules() (which enables procd_mm:: bases).
PROBE = r'''
import json
import mmengine.config.config as config_module
from mmengine.config.utils import MODULE2PACKAGE
from mmengine.runner.checkpoint import CheckpointLoader


def state():
    schemes = {prefix: f'{fn.__module__}.{fn.__qualname__}'
               for prefix, fn in CheckpointLoader._schemes.items()}
    resolve = config_module.get_installed_path
    return dict(schemes=schemes, module2package=dict(MODULE2PACKAGE),
                get_installed_path=f'{resolve.__module__}.{resolve.__qualname__}')


before = state()
import procd_mm, procd_mm.utils, procd_mm.engine, procd_mm.models  # noqa: E401,F401
import procd_mm.apis, procd_mm.analysis, procd_mm.visualization  # noqa: E401,F401
after_import = state()
from procd_mm.utils import register_all_modules
register_all_modules(init_default_scope=False)
print(json.dumps(dict(before=before, after_import=after_import, registered=state())))
'''


def probe() -> dict:
    proc = subprocess.run([sys.executable, '-c', PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_patches_nothing_global():
    result = probe()
    before, after = result['before'], result['after_import']
    assert before['schemes'][''] == 'mmengine.runner.checkpoint.load_from_local'
    assert after['schemes'] == before['schemes']  # MMEngine's checkpoint loaders
    assert after['module2package'] == before['module2package']
    assert after['get_installed_path'] == before['get_installed_path']
    assert 'procd_mm' not in after['module2package']

    # register_all_modules() is where procd_mm:: config bases are switched on
    registered = result['registered']
    assert registered['module2package'] == dict(before['module2package'], procd_mm='procd_mm')
    assert registered['schemes'] == before['schemes']  # never the checkpoint loaders
