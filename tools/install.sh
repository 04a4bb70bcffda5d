#!/usr/bin/env bash
# Installs procd_mm and the OpenMMLab stack it runs on; idempotent, prints each step with its time.
#
#   bash tools/install.sh
#
# Variables (all optional):
#   PROCD_PYTHON   interpreter to create the environment with (default: python3.11, else python3).
#   PROCD_VENV     environment folder (default: .venv in the checkout). Set PROCD_VENV=none to
#                  install into the interpreter named by PROCD_PYTHON as it is, e.g. a conda env
#                  on a GPU cluster that already has its own CUDA torch: that torch is kept.
#   PROCD_CACHE    where built wheels are kept between installs
#                  (default: ${XDG_CACHE_HOME:-~/.cache}/procd_mm/wheels).
#   FORCE_CUDA=1   build mmcv's CUDA ops (implied when torch sees a GPU); TORCH_CUDA_ARCH_LIST
#                  (e.g. "8.0;9.0") and CUDA_HOME are passed to the build as mmcv expects.
#   MAX_JOBS       parallel compile jobs for mmcv (default: number of cores).
# torch 2.14.1 + torchvision 0.29.1 are installed only when the environment has no torch.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
T0=$(date +%s)
step() { echo "[install $(($(date +%s) - T0))s] $*"; }
die() { echo "[install] FAILED: $*" >&2; exit 1; }

TORCH_SPEC=${PROCD_TORCH_SPEC:-"torch==2.14.1 torchvision==0.29.1"}
MMCV_VERSION=2.1.0
CACHE=${PROCD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/procd_mm/wheels}
PY_BOOT=${PROCD_PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=${PROCD_VENV:-$ROOT/.venv}

if [ "$VENV" = none ]; then
  PY=$PY_BOOT
  step "using the interpreter as it is: $PY"
else
  if [ ! -x "$VENV/bin/python" ]; then
    step "creating the environment $VENV with $PY_BOOT"
    "$PY_BOOT" -m venv "$VENV" || die "could not create a venv with $PY_BOOT (set PROCD_PYTHON)"
  else
    step "environment $VENV exists"
  fi
  PY=$VENV/bin/python
fi
PIP="$PY -m pip"
$PY -c 'import sys; assert sys.version_info >= (3, 8), sys.version' || die "Python >= 3.8 is required"

# mmcv's setup.py and mmengine's package_utils import pkg_resources, which setuptools 82 removed.
step "build tools (setuptools<82, wheel, ninja)"
$PIP install -q --upgrade pip 'setuptools<82' wheel ninja || die "could not install the build tools"

if $PY -c 'import torch' 2>/dev/null; then
  step "torch present: $($PY -c 'import torch; print(torch.__version__)') (kept)"
else
  step "installing $TORCH_SPEC"
  $PIP install -q $TORCH_SPEC || die "could not install $TORCH_SPEC"
fi
$PY -c 'import torchvision' 2>/dev/null || die "torchvision does not import beside this torch; install the matching pair"

# The wheel is keyed by the torch build it was compiled against, so a torch change rebuilds it.
KEY=$($PY - <<'PY'
import os, sys, torch
cuda = torch.cuda.is_available() or os.environ.get('FORCE_CUDA') == '1'
dev = ('cu' + (torch.version.cuda or 'x').replace('.', '')) if cuda else 'cpu'
print(f"py{sys.version_info[0]}{sys.version_info[1]}-torch{torch.__version__.split('+')[0]}-{dev}")
PY
)
if [[ $KEY != *-cpu ]]; then export FORCE_CUDA=1; fi
WHEEL_DIR=$CACHE/mmcv-$MMCV_VERSION-$KEY
mkdir -p "$WHEEL_DIR"

if $PY -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
  step "mmcv $MMCV_VERSION with compiled ops present"
else
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    step "building mmcv $MMCV_VERSION with ops ($KEY); takes 10-20 minutes on 2 cores, once"
    BUILD=$(mktemp -d)
    trap 'rm -rf "$BUILD"' EXIT
    $PIP download -q --no-deps --no-build-isolation --no-binary :all: -d "$BUILD" "mmcv==$MMCV_VERSION" || die "could not download the mmcv sdist"
    tar -xzf "$BUILD"/mmcv-$MMCV_VERSION.tar.gz -C "$BUILD"
    # torch >= 2.10 headers need C++20; mmcv 2.1.0 hard-codes -std=c++17.
    if $PY -c 'import torch, sys; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); sys.exit(v < (2, 10))'; then
      sed -i 's/-std=c++17/-std=c++20/g' "$BUILD"/mmcv-$MMCV_VERSION/setup.py
    fi
        # No build isolation: an isolated build cannot see torch and silently skips the ops.
    LOG=$CACHE/mmcv-$MMCV_VERSION-$KEY.build.log
    if ! (cd "$BUILD"/mmcv-$MMCV_VERSION && MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
          $PIP wheel --no-build-isolation --no-deps -w "$WHEEL_DIR" .) >"$LOG" 2>&1; then
      tail -n 40 "$LOG" >&2
      die "building mmcv failed; the whole log is $LOG"
    fi
  else
    step "reusing the cached mmcv wheel in $WHEEL_DIR"
  fi
  $PIP install -q "$WHEEL_DIR"/mmcv-*.whl || die "installing the mmcv wheel failed"
  $PY -c 'import mmcv.ops' || die "mmcv installed but its compiled ops do not load"
fi

step "installing procd_mm (editable) with mmengine, mmdet, mmsegmentation, mmpretrain"
$PIP install -q -r requirements/runtime.txt -r requirements/tests.txt || die "could not install the requirements"
$PIP install -q --no-build-isolation --no-deps -e . >/dev/null 2>"$CACHE/procd_mm-install.log" \
  || { cat "$CACHE/procd_mm-install.log" >&2; die "pip install -e . failed"; }
# mmpretrain's BLIP module breaks on transformers 5.x; nothing here needs it.
if $PY -c 'import transformers' 2>/dev/null; then
  step "removing transformers (breaks import mmpretrain.models)"
  $PIP uninstall -q -y transformers
fi

step "checking the stack"
$PY - <<'PY' || die "the installed stack does not import"
import torch, mmcv, mmcv.ops, mmengine, mmdet, mmseg, mmpretrain, procd_mm
import mmpretrain.models  # noqa: F401 (imports torchvision and the model zoo)
print(f'torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, '
      f'mmdet {mmdet.__version__}, mmseg {mmseg.__version__}, mmpretrain {mmpretrain.__version__}, '
      f'procd_mm {procd_mm.__version__}')
PY
step "done; activate with: source ${VENV%/}/bin/activate"
