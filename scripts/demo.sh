#!/usr/bin/env bash
# The main job on bundled data: install what is missing, build, then run lstm-forecast on
# data/airline-passengers.csv (see README, "Quick start").
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing "${LSTMF_PACKAGES[@]}"
configure_and_build "$ROOT/build"
BIN="$ROOT/build/lstm-forecast"

echo "== lstm-forecast inspect: what the data pipeline finds in data/airline-passengers.csv" >&2
"$BIN" inspect --config "$ROOT/configs/airline.json"
