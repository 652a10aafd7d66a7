#!/usr/bin/env bash
# Every test: install what is missing, build with warnings as errors, run the whole suite.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing "${LSTMF_PACKAGES[@]}"
BUILD="$ROOT/build-test"
# With Open MPI present (mpirun and mpicxx: Debian openmpi-bin, libopenmpi-dev), the same build also
# gets MPI, and tests/test_mpi.cpp runs mpirun -np 2: one build, not a second one, to stay in budget.
MPI_OPTION=-DLSTMF_MPI=OFF
if command -v mpirun >/dev/null && command -v mpicxx >/dev/null; then MPI_OPTION=-DLSTMF_MPI=ON; fi
configure_and_build "$BUILD" -DLSTMF_WERROR=ON "$MPI_OPTION"
cd "$BUILD"
ctest --output-on-failure -j "$JOBS"
# The PyTorch fixtures test says how many cases it checked; show it.
grep -h "checked [0-9]* torch fixtures" Testing/Temporary/LastTest.log | tail -n 1
