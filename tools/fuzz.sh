#!/usr/bin/env bash
# Fuzz the parsers with libFuzzer + ASan + UBSan: tools/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  how long each target runs (default 60; `tools/fuzz.sh 600` = 10 minutes each)
#   TARGET   fuzz_csv fuzz_config fuzz_checkpoint fuzz_time (default: all four)
#   FUZZ_SUMMARY_ONLY=1 prints the figures of the last run again without fuzzing.
# Builds the targets with clang in build-fuzz/ (-DLSTMF_FUZZ=ON), seeds each corpus from data/,
# configs/, fuzz/seeds/ and tests/bad-inputs/, runs at most FUZZ_PARALLEL (default 2) targets at a
# time under `nice -n 10`, and prints executions, coverage (cov = edges, ft = features) and crashes
# per target. Crash, timeout and out-of-memory inputs are left in build-fuzz/fuzz/crashes/TARGET/;
# the grown corpora in build-fuzz/fuzz/corpus/TARGET/ are kept between runs. Exits 1 when any target
# left a crash file. Every input is capped in length (-max_len), memory (-rss_limit_mb 2048) and
# time (-timeout 10 s: a slower input counts as a hang to fix). A target that crashes is started
# again for the time left, so one run finds every crash it can in the time given.
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
  -DLSTMF_TESTS=OFF -DLSTMF_BENCH=OFF -DLSTMF_ARCH=none >&2
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

# Plain libFuzzer (not -fork: the fork mode re-runs and merges the corpus for every job, which
# costs more than it fuzzes for a slow target like fuzz_csv). libFuzzer stops at a crash; the
# target is then started again for the time left, so one run finds what it can in the time given.
run_target() {  # run_target TARGET: runs it for SECONDS_EACH, logs in $WORK/TARGET.N.log
  local target="$1" end=$((SECONDS + SECONDS_EACH)) round=0 left
  rm -f "$WORK/$target".*.log
  while left=$((end - SECONDS)); [ "$left" -gt 2 ]; do
    round=$((round + 1))
    ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
      nice -n 10 "$BUILD/fuzz/$target" "$WORK/corpus/$target" "$WORK/seeds/$target" \
      -max_total_time="$left" -max_len="$(max_len "$target")" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
      -timeout=10 -artifact_prefix="$WORK/crashes/$target/" -print_final_stats=1 \
      > "$WORK/$target.$round.log" 2>&1 || true
  done
}

# Crashes, leaks, timeouts and out-of-memory inputs; not libFuzzer's slow-unit-* reports (an input
# that once took over 10 s wall time, which on a loaded machine can be the machine; they stay in
# the folder for a look, and a real hang shows up as a timeout-* file).
crash_files() { find "$WORK/crashes/$1" -type f ! -name 'slow-unit-*'; }

summary() {  # summary TARGET: one line of figures from the logs and the crash folder
  local target="$1" execs=0 n last cov ft corp crashes log
  for log in "$WORK/$target".*.log; do
    # Executions: the final stats, or the last "#N ..." status line when a crash cut the round short.
    n="$(grep -h '^stat::number_of_executed_units:' "$log" | awk '{print $2}' | tail -n 1)"
    [ -z "$n" ] && n="$(grep -oE '^#[0-9]+' "$log" | tr -d '#' | tail -n 1)"
    execs=$((execs + ${n:-0}))
    last="$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)" || true
    [ -n "$last" ] && cov="$(sed -E 's/.* cov: ([0-9]+).*/\1/' <<< "$last")" && ft="$(sed -E 's/.* ft: ([0-9]+).*/\1/' <<< "$last")" \
      && corp="$(sed -E 's/.* corp: ([0-9]+).*/\1/' <<< "$last")"
  done
  crashes="$(crash_files "$target" | wc -l)"
  printf '%-16s %9s execs  cov %5s  ft %6s  corpus %5s  rounds %s  crash files %s\n' "$target" "$execs" "${cov:-?}" \
    "${ft:-?}" "${corp:-?}" "$(ls "$WORK/$target".*.log | wc -l)" "$crashes"
}

if [ "${FUZZ_SUMMARY_ONLY:-0}" != 1 ]; then  # FUZZ_SUMMARY_ONLY=1: the figures of the last run again
make_seeds
echo "fuzzing ${TARGETS[*]} for ${SECONDS_EACH}s each, $PARALLEL at a time; logs in $WORK/TARGET.N.log" >&2
running=0
for target in "${TARGETS[@]}"; do
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$PARALLEL" ]; then wait -n; running=$((running - 1)); fi
done
wait
fi

status=0
for target in "${TARGETS[@]}"; do
  summary "$target"
  if [ -n "$(crash_files "$target")" ]; then status=1; fi
done
if [ "$status" -ne 0 ]; then echo "crash files left in $WORK/crashes/ (reproduce: build-fuzz/fuzz/TARGET FILE)" >&2; fi
exit "$status"
