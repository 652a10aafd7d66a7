#!/usr/bin/env bash
# Every test: install what is missing, build with warnings as errors (-Wall -Wextra -Wpedantic
# -Werror), run the whole suite; then build again with AddressSanitizer + UndefinedBehaviorSanitizer
# (LSTMF_SANITIZE=ON, its own build dir) and run the whole suite on that build too.
# LSTMF_SKIP_SANITIZE=1 skips the second build (quicker local runs; CI never sets it).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing "${LSTMF_PACKAGES[@]}"

BUILD="$ROOT/build-test"
# With Open MPI present (mpirun and mpicxx: Debian openmpi-bin, libopenmpi-dev), the same build also
# gets MPI, and tests/test_mpi.cpp runs mpirun -np 2: one build, not a second one, to stay in budget.
MPI_OPTION=-DLSTMF_MPI=OFF
if command -v mpirun >/dev/null && command -v mpicxx >/dev/null; then MPI_OPTION=-DLSTMF_MPI=ON; fi
configure_and_build "$BUILD" -DLSTMF_WERROR=ON "$MPI_OPTION"
(
  cd "$BUILD"
  ctest --output-on-failure -j "$JOBS"
  # The PyTorch fixtures test and the bad-input corpus say how many cases they checked; show them.
  grep -h "checked [0-9]* torch fixtures" Testing/Temporary/LastTest.log | tail -n 1
  grep -ho "bad-input corpus: [0-9]* cases checked" Testing/Temporary/LastTest.log | tail -n 1 || true
)

if [ "${LSTMF_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== the whole suite again under ASan + UBSan (build-asan/)" >&2
  # Any sanitizer report fails the test that triggered it (UBSan halts instead of recovering).
  # The MPI test runs in the plain build only (Open MPI's own allocations trip LeakSanitizer).
  # malloc_context_size=2: two frames (the allocator and its caller) recorded per allocation, not
  # 30. The suite starts some 1,400 processes, and the deep stacks cost each several hundred page
  # faults in ASan's stack depot: the sanitized suite took 205 s, 183 s with 2, side by side. Every
  # error and leak is still found and fails its test, with the full stack of the bad access and the
  # allocation's caller; for the whole stacks of an allocation and its free, run the failing test
  # again with ASAN_OPTIONS=malloc_context_size=30 (ASan's default). Not 0 or 1: LeakSanitizer then
  # reports no leak at all (tried: a leaked new[] passed).
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_init_order=1:malloc_context_size=2"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  SANITIZE_BUILD="$ROOT/build-asan"
  configure_and_build "$SANITIZE_BUILD" -DLSTMF_WERROR=ON -DLSTMF_SANITIZE=ON -DLSTMF_BENCH=OFF -DLSTMF_MPI=OFF
  cd "$SANITIZE_BUILD"
  ctest --output-on-failure -j "$JOBS"
fi
