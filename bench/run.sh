#!/usr/bin/env bash
# The benchmark harness in one command (bench/README.md): installs what is missing (the build's
# Debian packages, PyTorch for Python and its C++ API), then runs bench/harness.py, which builds
# everything it times in build-bench/, prints the report and writes bench/results/latest.md.
#   bench/run.sh            full run (about an hour on 2 quiet cores; --windows-scale 0.25: 30 minutes)
#   bench/run.sh --quick    smoke test (a minute or two; writes bench/results/quick.md)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
install_missing "${LSTMF_PACKAGES[@]}" python3-torch libtorch-dev
exec /usr/bin/python3 "$ROOT/bench/harness.py" "$@"
