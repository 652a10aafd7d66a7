#!/usr/bin/env bash
# Many series on one machine (or several, with parallel --sshlogin): train and forecast N shards of a
# long-format panel as independent lstm-forecast processes run by GNU parallel (Debian: parallel),
# then merge the shard checkpoints and forecasts into one of each.
#
#   examples/parallel.sh CONFIG OUT_DIR [N] [extra train flags...]
#
# CONFIG is a JSON config naming the data and its series column (data.series_column); shard K of N
# holds the series whose FNV-1a hash of the id, modulo N, is K, so every run of the same N splits the
# series the same way. Each shard trains on one thread (--threads 1) and JOBS shards run at once
# (default: N). Results: OUT_DIR/model.json (per-series mode) and OUT_DIR/forecast.csv, equal to
# what one `train` + `predict` over all series gives. The binary is $LSTMF_BIN (default: lstm-forecast).
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,13p' "$0" >&2
  exit 2
fi
CONFIG=$1
OUT=$2
N=${3:-4}
shift $(( $# >= 3 ? 3 : 2 ))
export LSTMF_BIN=${LSTMF_BIN:-lstm-forecast}
export CONFIG OUT N
JOBS=${JOBS:-$N}
mkdir -p "$OUT"

# One shard: train, then forecast from the shard's own checkpoint. A shard that holds none of the
# series (more shards than series, or an unlucky split), or only series training skips (too short),
# writes no checkpoint and exits 0.
run_shard() {
  local k=$1
  shift
  rm -f "$OUT/model-$k-of-$N.json" "$OUT/forecast-$k-of-$N.csv"
  # parallel runs this in a bash of its own, without the script's set -e: a failed train fails the job
  "$LSTMF_BIN" train --config "$CONFIG" --shard "$k/$N" --threads 1 --quiet --output "$OUT/model-$k-of-$N.json" "$@" || return
  if [ -e "$OUT/model-$k-of-$N.json" ]; then
    "$LSTMF_BIN" predict --model "$OUT/model-$k-of-$N.json" --threads 1 --output "$OUT/forecast-$k-of-$N.csv"
  fi
}
export -f run_shard

# -q: parallel joins the command into a line for its shell; quoted, "my panel.csv" stays one word.
# --termseq: on Ctrl-C (or a failed shard, --halt) each running shard gets SIGINT and a minute to save
# the series it finished (train's Ctrl-C); parallel's default (TERM three times, then KILL within
# half a second) killed them while they wrote, and nothing was saved. --ungroup: a stopped
# shard's own message (how many series it saved) is shown, not dropped with its buffered output.
status=0
PARALLEL_SHELL=bash parallel --will-cite -q --ungroup --halt now,fail=1 --termseq INT,60000,TERM,5000,KILL,25 \
  -j "$JOBS" run_shard {} "$@" ::: $(seq 0 $((N - 1))) || status=$?
if [ "$status" -ne 0 ]; then
  for f in "$OUT"/model-*-of-"$N".json; do
    if [ -e "$f" ]; then echo "kept: $f (lstm-forecast merge takes it; running this script again trains every shard anew)" >&2; fi
  done
  exit "$status"
fi

models=() forecasts=()
for k in $(seq 0 $((N - 1))); do
  if [ -e "$OUT/model-$k-of-$N.json" ]; then  # empty shards wrote none
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
echo "merged ${#models[@]} of $N shards (a shard that holds no series to train writes none): $OUT/model.json, $OUT/forecast.csv" >&2
