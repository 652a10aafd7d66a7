#!/usr/bin/env bash
# Every test: install what is missing, build with warnings as errors (-Wall -Wextra -Wpedantic
# -Werror), run the whole suite; then build again with AddressSanitizer + UndefinedBehaviorSanitizer
# (LSTMF_SANITIZE=ON, its own build dir) and run the whole suite on that build too.
# LSTMF_SKIP_SANITIZE=1 skips the second build (quicker local runs; CI never sets it).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing "${LSTMF_PACKAGES[@]}"

BUILD="$ROOT/build-test"
configure_and_build "$BUILD" -DLSTMF_WERROR=ON
(
  cd "$BUILD"
  ctest --output-on-failure -j "$JOBS"
  # The PyTorch fixtures test says how many cases it checked; show it.
  grep -h "checked [0-9]* torch fixtures" Testing/Temporary/LastTest.log | tail -n 1
)

if [ "${LSTMF_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== the whole suite again under ASan + UBSan (build-asan/)" >&2
  # Any sanitizer report fails the test that triggered it (UBSan halts instead of recovering).
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_init_order=1"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  SANITIZE_BUILD="$ROOT/build-asan"
  configure_and_build "$SANITIZE_BUILD" -DLSTMF_WERROR=ON -DLSTMF_SANITIZE=ON -DLSTMF_BENCH=OFF
  cd "$SANITIZE_BUILD"
  ctest --output-on-failure -j "$JOBS"
fi
