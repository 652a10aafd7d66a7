#!/usr/bin/env bash
# Every test: install what is missing, build with warnings as errors, run the whole suite.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing "${LSTMF_PACKAGES[@]}"
BUILD="$ROOT/build-test"
configure_and_build "$BUILD" -DLSTMF_WERROR=ON
cd "$BUILD"
ctest --output-on-failure -j "$JOBS"
# The PyTorch fixtures test says how many cases it checked; show it.
grep -h "checked [0-9]* torch fixtures" Testing/Temporary/LastTest.log | tail -n 1
