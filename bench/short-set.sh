#!/usr/bin/env bash
# Writes a folder of short seasonal series for the accuracy protocol: the first and the last 42, 48
# and 60 rows of the bundled monthly seasonal series (airline, car sales, champagne; horizon 18,
# M4's monthly one) and the first and last 20 and 28 rows of US GDP (quarterly, horizon 8), with
# their meta.json. M4's monthly series start at 42 rows; the default recipe must not lose the
# season on them. Usage: bench/short-set.sh OUT_DIR [DATA_DIR], then
#   build/lstm-forecast evaluate --protocol OUT_DIR
set -euo pipefail
out=${1:?usage: bench/short-set.sh OUT_DIR [DATA_DIR]}
data=${2:-"$(dirname "$0")/../data"}
mkdir -p "$out"
meta="{"
sep=""
cut_series() {  # file target frequency m h rows...
  local file=$1 target=$2 frequency=$3 m=$4 h=$5
  shift 5
  local total
  total=$(($(wc -l < "$data/$file") - 1))
  for rows in "$@"; do
    for where in first last; do
      local name="${file%.csv}-$where$rows.csv"
      if [[ $where == first ]]; then head -n $((rows + 1)) "$data/$file" > "$out/$name"
      else { head -n 1 "$data/$file"; tail -n +2 "$data/$file" | tail -n "$rows"; } > "$out/$name"; fi
      meta+="$sep\"$name\": {\"target\": \"$target\", \"frequency\": \"$frequency\", \"m\": $m, \"h\": $h}"
      sep=$',\n '
    done
  done
  (( total >= 60 )) || { echo "short-set.sh: $data/$file has only $total rows" >&2; exit 1; }
}
cut_series airline-passengers.csv passengers monthly 12 18 42 48 60
cut_series car-sales.csv sales monthly 12 18 42 48 60
cut_series champagne-sales.csv sales monthly 12 18 42 48 60
cut_series us-macro.csv realgdp quarterly 4 8 20 28
printf '%s}\n' "$meta" > "$out/meta.json"
