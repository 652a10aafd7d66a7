#!/usr/bin/env bash
# The main job on bundled data: install what is missing, build, then on data/airline-passengers.csv
# train a model (configs/airline.json), forecast the next 24 months, and backtest it against naive
# and seasonal-naive forecasts (see README, "Quick start"). Forecast CSV on stdout, talk on stderr.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing "${LSTMF_PACKAGES[@]}"
configure_and_build "$ROOT/build"
BIN="$ROOT/build/lstm-forecast"
OUT="$ROOT/build/demo"
mkdir -p "$OUT"

echo "== inspect: what the data pipeline finds" >&2
"$BIN" inspect --config "$ROOT/configs/airline.json" >&2
echo "== train: configs/airline.json -> build/demo/airline-model.json" >&2
"$BIN" train --config "$ROOT/configs/airline.json" --output "$OUT/airline-model.json" --log-json "$OUT/airline-log.jsonl"
echo "== predict: the next 24 months" >&2
"$BIN" predict --model "$OUT/airline-model.json" --horizon 24
echo "== evaluate: rolling-origin backtest on the held-out tail" >&2
"$BIN" evaluate --model "$OUT/airline-model.json" --input "$ROOT/data/airline-passengers.csv" >&2
