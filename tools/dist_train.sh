#!/usr/bin/env bash
# Usage: [NNODES=1 NODE_RANK=0 MASTER_ADDR=127.0.0.1 PORT=29500 PYTHON=python] \
#        bash tools/dist_train.sh CONFIG GPUS [train.py args ...]
# GPUS is the number of processes per node (on a machine without GPUs: CPU processes, gloo).
# PORT=0 (one node only): torchrun binds a free port itself (c10d rendezvous on
# MASTER_ADDR:0), so concurrent runs cannot race for a port.
set -e
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG GPUS [train.py args ...]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}
RDZV=(--master_addr="$MASTER_ADDR" --master_port="$PORT")
if [ "$PORT" = 0 ]; then
    if [ "$NNODES" != 1 ]; then
        echo "$0: PORT=0 needs NNODES=1 (every node must be given the same PORT)" >&2
        exit 2
    fi
    RDZV=(--rdzv-backend=c10d --rdzv-endpoint="$MASTER_ADDR:0" --local-addr="$MASTER_ADDR")
fi

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --nproc_per_node="$GPUS" \
    "${RDZV[@]}" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
