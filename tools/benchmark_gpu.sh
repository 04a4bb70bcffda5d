#!/usr/bin/env bash
# The GPU benchmark of docs/benchmark.md, prepared for a lent GPU machine (one H100/H200):
# Faster R-CNN R50-FPN student, ViT-B/16 teacher (random weights), 2 x 800x1216.
#
# Here, once:  rm -rf .gpu && cp -r ../shared/gpu .gpu      (.gpu/ is git-ignored)
# There:       bash tools/benchmark_gpu.sh                    (carry .gpu; about 5 min)
#
# Runs, each under its own time limit, each table also written to $OUT (or /tmp):
#   1. bench_frcnn_amp.txt   the issue's benchmark, fp16 autocast (AMP) for the student
#   2. bench_frcnn_amp_noguided.txt  the same with the guided pass off (model.guided=False),
#                            for comparison on the same machine
#   3. bench_frcnn_fp32.txt  the student in fp32 (the teacher stays fp16: teacher_amp='auto')
#   4. bench_retinanet_amp.txt, bench_deeplabv3_amp.txt  the other two students (AMP;
#                            DeepLabV3 at a Cityscapes crop, 2 x 512x1024)
#   5. profile_frcnn_amp.txt where a guided-on step spends its GPU time (torch.profiler)
# A run that fails or runs out of time does not stop the later ones; the exit status is
# that of the first run.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .gpu/setup-gpu.sh ]; then
    echo "benchmark_gpu.sh: .gpu/setup-gpu.sh not found: copy ../shared/gpu to .gpu first" >&2
    exit 2
fi
bash .gpu/setup-gpu.sh || exit 3
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
DEST=${OUT:-/tmp}
export PYTHONPATH="$PWD:${PYTHONPATH:-}" PYTHONUNBUFFERED=1
python3 -c "import torch, mmcv, mmdet; print('torch', torch.__version__, 'mmcv', mmcv.__version__, 'mmdet', mmdet.__version__)"
git log -1 --format='code: %h %s' 2>/dev/null || true

step() {  # step LIMIT_S FILE TOOL ARGS...
    local limit=$1 file=$2
    shift 2
    echo "== $file: python3 $*"
    timeout "$limit" python3 "$@" 2>&1 | tee "$DEST/$file"
    local rc=${PIPESTATUS[0]}
    echo "== $file: exit $rc"
    return "$rc"
}

FRCNN=(configs/procd_faster-rcnn.py --device cuda --iters 20 --warmup 5 --batch 2
       --img-size 800 1216)
step 150 bench_frcnn_amp.txt tools/benchmark.py "${FRCNN[@]}" --amp
first=$?
step 90 bench_frcnn_amp_noguided.txt tools/benchmark.py "${FRCNN[@]}" --amp \
    --cfg-options model.guided=False
step 90 bench_frcnn_fp32.txt tools/benchmark.py "${FRCNN[@]}"
step 90 bench_retinanet_amp.txt tools/benchmark.py configs/procd_retinanet.py --device cuda \
    --amp --iters 20 --warmup 5 --batch 2 --img-size 800 1216
step 90 bench_deeplabv3_amp.txt tools/benchmark.py configs/procd_deeplabv3.py --device cuda \
    --amp --iters 20 --warmup 5 --batch 2 --img-size 512 1024
step 60 profile_frcnn_amp.txt tools/analysis/profile_guided.py configs/procd_faster-rcnn.py \
    --device cuda --amp --iters 3 --warmup 3 --batch 2 --img-size 800 1216 --rows 30
exit "$first"
