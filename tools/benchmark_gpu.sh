#!/usr/bin/env bash
# The GPU benchmark of docs/benchmark.md, prepared for a lent GPU machine (one H100/H200):
# Faster R-CNN R50-FPN student, ViT-B/16 teacher (random weights), 2 x 800x1216, fp16 AMP.
#
# Here, once:  rm -rf .gpu && cp -r ../shared/gpu .gpu      (.gpu/ is git-ignored)
# There:       bash tools/benchmark_gpu.sh                    (carry .gpu; under 5 min)
# The table is printed and, when $OUT is set, also written to $OUT/benchmark_gpu.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .gpu/setup-gpu.sh ]; then
    echo "benchmark_gpu.sh: .gpu/setup-gpu.sh not found: copy ../shared/gpu to .gpu first" >&2
    exit 2
fi
bash .gpu/setup-gpu.sh
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
OUT_FILE=${OUT:-/tmp}/benchmark_gpu.txt
python -c "import torch, mmcv, mmdet; print('torch', torch.__version__, 'mmcv', mmcv.__version__, 'mmdet', mmdet.__version__)" | tee "$OUT_FILE"
PYTHONPATH="$PWD:${PYTHONPATH:-}" timeout 270 python tools/benchmark.py configs/procd_faster-rcnn.py \
    --device cuda --amp --iters 20 --warmup 5 --batch 2 --img-size 800 1216 | tee -a "$OUT_FILE"
