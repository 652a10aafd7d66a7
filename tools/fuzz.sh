#!/usr/bin/env bash
# Fuzz the parsers with libFuzzer + ASan + UBSan: tools/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  how long each target runs (default 60; `tools/fuzz.sh 600` = 10 minutes each)
#   TARGET   fuzz_csv fuzz_config fuzz_checkpoint fuzz_time (default: all four)
# Builds the targets with clang in build-fuzz/ (-DLSTMF_FUZZ=ON), seeds each corpus from data/,
# configs/, fuzz/seeds/ and tests/bad-inputs/, runs at most FUZZ_PARALLEL (default 2) targets at a
# time under `nice -n 10`, and prints executions, coverage (cov = edges, ft = features) and crashes
# per target. Crash, timeout and out-of-memory inputs are left in build-fuzz/fuzz/crashes/TARGET/;
# the grown corpora in build-fuzz/fuzz/corpus/TARGET/ are kept between runs. Exits 1 when any target
# left a crash file. Every input is capped in length (-max_len), memory (-rss_limit_mb 2048) and
# time (-timeout 10 s: a slower input counts as a hang to fix). Each target keeps going after a
# crash (-fork=1 -ignore_crashes=1) so one run finds every crash it can in the time given.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(fuzz_csv fuzz_config fuzz_checkpoint fuzz_time)
PARALLEL="${FUZZ_PARALLEL:-2}"
BUILD="$ROOT/build-fuzz"
WORK="$BUILD/fuzz"

# clang and libFuzzer are needed for this script only, not for the build or CI.
install_missing "${LSTMF_PACKAGES[@]}" clang-14 libfuzzer-14-dev libomp-14-dev
CXX_CLANG="$(command -v clang++ || command -v clang++-14)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$CXX_CLANG" -DLSTMF_FUZZ=ON \
  -DLSTMF_TESTS=OFF -DLSTMF_BENCH=OFF -DLSTMF_NATIVE=OFF >&2
cmake --build "$BUILD" -j "$JOBS" --target "${TARGETS[@]}" >&2

max_len() {
  case "$1" in
    fuzz_csv) echo 8192 ;;
    fuzz_config) echo 4096 ;;
    fuzz_checkpoint) echo 32768 ;;
    fuzz_time) echo 512 ;;
  esac
}

# Seeds go to $WORK/seeds/TARGET (rebuilt every run); files are cut to the target's -max_len.
add_seed() {  # add_seed TARGET NAME FILE [PREFIX]
  local dir="$WORK/seeds/$1"
  [ -d "$dir" ] || return 0  # not a target of this run
  { printf '%s' "${4:-}"; head -c "$(max_len "$1")" "$3"; } > "$dir/$2"
}
bad_inputs() {  # the malformed cases of one surface of tests/bad-inputs/, without their .expect/.args
  local surface="$ROOT/tests/bad-inputs/$1"
  [ -d "$surface" ] || return 0
  find "$surface" -maxdepth 1 -type f ! -name '*.expect' ! -name '*.args' ! -name 'README*'
}
make_seeds() {
  rm -rf "$WORK/seeds"
  local target f
  for target in "${TARGETS[@]}"; do mkdir -p "$WORK/seeds/$target" "$WORK/corpus/$target" "$WORK/crashes/$target"; done
  for f in "$ROOT"/data/*.csv $(bad_inputs csv); do
    # fuzz_csv's first byte picks the options: '0' = auto delimiter, missing error, time column and
    # features; '8' = the same with ffill.
    add_seed fuzz_csv "$(basename "$f")" "$f" 0
    add_seed fuzz_csv "ffill-$(basename "$f")" "$f" 8
    # The first column of each data file: a time column.
    if [ -d "$WORK/seeds/fuzz_time" ]; then head -n 40 "$f" | cut -d, -f1 > "$WORK/seeds/fuzz_time/$(basename "$f")"; fi
  done
  for f in "$ROOT"/configs/*.json $(bad_inputs config); do add_seed fuzz_config "$(basename "$f")" "$f"; done
  for f in "$ROOT"/fuzz/seeds/checkpoint/* $(bad_inputs checkpoint); do add_seed fuzz_checkpoint "$(basename "$f")" "$f"; done
  for f in "$ROOT"/fuzz/seeds/time/*; do add_seed fuzz_time "$(basename "$f")" "$f"; done
}

run_target() {  # run_target TARGET: runs it, log in $WORK/TARGET.log
  local target="$1"
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    nice -n 10 "$BUILD/fuzz/$target" "$WORK/corpus/$target" "$WORK/seeds/$target" \
    -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$target")" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -timeout=10 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$WORK/crashes/$target/" -print_final_stats=1 > "$WORK/$target.log" 2>&1 || true
}

summary() {  # summary TARGET: one line of figures from the log and the crash folder
  local target="$1" log="$WORK/$1.log"
  # Fork mode reports "#EXECS: cov: C ft: F corp: N ..." lines; the last one holds the final figures.
  local last execs cov ft corp crashes
  last="$(grep -E '^#[0-9]+: cov: ' "$log" | tail -n 1)"
  execs="$(sed -E 's/^#([0-9]+):.*/\1/' <<< "$last")"
  cov="$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<< "$last")"
  ft="$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<< "$last")"
  corp="$(sed -E 's/.* corp: ([0-9]+).*/\1/' <<< "$last")"
  crashes="$(find "$WORK/crashes/$target" -type f | wc -l)"
  printf '%-16s %10s execs  cov %6s  ft %7s  corpus %6s  crash files %s\n' "$target" "${execs:-?}" "${cov:-?}" \
    "${ft:-?}" "${corp:-?}" "$crashes"
}

make_seeds
echo "fuzzing ${TARGETS[*]} for ${SECONDS_EACH}s each, $PARALLEL at a time; logs in $WORK" >&2
running=0
for target in "${TARGETS[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$PARALLEL" ]; then wait -n; running=$((running - 1)); fi
done
wait

status=0
for target in "${TARGETS[@]}"; do
  summary "$target"
  [ -n "$(find "$WORK/crashes/$target" -type f)" ] && status=1
done
[ "$status" -ne 0 ] && echo "crash files left in $WORK/crashes/ (reproduce: build-fuzz/fuzz/TARGET FILE)" >&2
exit "$status"
