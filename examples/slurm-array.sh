#!/usr/bin/env bash
# Many series on a Slurm cluster: one array task per shard, then one merge job.
#
#   sbatch --array=0-15 examples/slurm-array.sh CONFIG OUT_DIR        # 16 shards, one task each
#   sbatch --dependency=afterok:<array job id> examples/slurm-array.sh --merge OUT_DIR 16
#
# The merge job holds every shard's series in memory as it writes: give it about the total size of
# the shard checkpoints (sbatch --mem=8G ... --merge: flags override the 2G below; measured: two
# shards of 10,000 series of 50 hidden units, 3.0 GB of checkpoints as written before 2026-12-06,
# merged at 3.0 GB peak). A shard cancelled with scancel
# gets SIGTERM and saves the series it finished, within Slurm's KillWait (30 s by default).
#
# Task K of an array of N (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) trains shard K/N: the series
# whose FNV-1a hash of the id, modulo N, is K (README, "Scaling out"), on the task's CPUs, and
# forecasts them. The merge job joins OUT_DIR/model-K-of-N.json and forecast-K-of-N.csv into
# OUT_DIR/model.json and OUT_DIR/forecast.csv, refusing shards that do not fit together. Every
# shard must be on a file system the merge job sees. The binary is $LSTMF_BIN (default: lstm-forecast).
#SBATCH --job-name=lstmf-shard
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=02:00:00
#SBATCH --output=lstmf-%A_%a.log
set -euo pipefail
LSTMF_BIN=${LSTMF_BIN:-lstm-forecast}

if [ "${1:-}" = "--merge" ]; then
  OUT=$2
  N=$3
  models=() forecasts=()
  for k in $(seq 0 $((N - 1))); do
    if [ -e "$OUT/model-$k-of-$N.json" ]; then  # a shard that holds no series to train writes none
      models+=("$OUT/model-$k-of-$N.json")
      forecasts+=("$OUT/forecast-$k-of-$N.csv")
    fi
  done
  if [ ${#models[@]} -eq 0 ]; then
    echo "no shard of $N held a series to train" >&2
    exit 2
  fi
  "$LSTMF_BIN" merge "${models[@]}" --output "$OUT/model.json"
  "$LSTMF_BIN" merge "${forecasts[@]}" --output "$OUT/forecast.csv"
  exit 0
fi

CONFIG=$1
OUT=$2
shift 2
K=${SLURM_ARRAY_TASK_ID:?run as an array job: sbatch --array=0-15 $0 CONFIG OUT_DIR}
N=${SLURM_ARRAY_TASK_COUNT:?this Slurm does not set SLURM_ARRAY_TASK_COUNT; use --array=0-(N-1)}
THREADS=${SLURM_CPUS_PER_TASK:-1}
mkdir -p "$OUT"
rm -f "$OUT/model-$K-of-$N.json" "$OUT/forecast-$K-of-$N.csv"
"$LSTMF_BIN" train --config "$CONFIG" --shard "$K/$N" --threads "$THREADS" --quiet --output "$OUT/model-$K-of-$N.json" "$@"
if [ -e "$OUT/model-$K-of-$N.json" ]; then  # a shard that holds no series to train writes none, and exits 0
  "$LSTMF_BIN" predict --model "$OUT/model-$K-of-$N.json" --threads "$THREADS" --output "$OUT/forecast-$K-of-$N.csv"
fi
