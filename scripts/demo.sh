#!/usr/bin/env bash
# The main job on bundled data: install what is missing, build, then on data/airline-passengers.csv
# train the default recipe, forecast the next 24 months with 80% and 95% intervals, and measure the
# recipe on the held-out last 18 months against naive, seasonal-naive, drift, ETS and ARIMA
# forecasts (see README, "Quick start"). Forecast CSV on stdout, talk on stderr.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing "${LSTMF_PACKAGES[@]}"
configure_and_build "$ROOT/build"
BIN="$ROOT/build/lstm-forecast"
OUT="$ROOT/build/demo"
DATA="$ROOT/data/airline-passengers.csv"
mkdir -p "$OUT"

echo "== inspect: what the data pipeline finds" >&2
"$BIN" inspect --data "$DATA" --target passengers --time-column date --horizon 24 >&2
echo "== train: the default recipe on data/airline-passengers.csv -> build/demo/airline-model.json" >&2
"$BIN" train --data "$DATA" --target passengers --horizon 24 --output "$OUT/airline-model.json" \
  --log-json "$OUT/airline-log.jsonl"
echo "== predict: the next 24 months, with 80% and 95% prediction intervals" >&2
"$BIN" predict --model "$OUT/airline-model.json" --horizon 24 --intervals 80,95
echo "== evaluate: the recipe trained without the last 18 months, scored on them (accuracy protocol)" >&2
"$BIN" evaluate --protocol "$ROOT/data" --only airline-passengers.csv --quiet >&2
