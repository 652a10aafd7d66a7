# Shared by scripts/demo.sh and scripts/test.sh: install what is missing, configure, build.
# Sourced, not run. Works on a fresh Debian machine with only git, cmake, g++ and apt-get.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

# Debian packages the build needs; installed with apt-get only when missing.
LSTMF_PACKAGES=(cmake g++ make libeigen3-dev libcli11-dev libfccp-dev nlohmann-json3-dev catch2 python3-numpy)
# The many-series test runs examples/parallel.sh (GNU parallel).
LSTMF_PACKAGES+=(parallel)

install_missing() {
  local missing=()
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# configure_and_build BUILD_DIR [cmake options...]
configure_and_build() {
  local build_dir="$1"
  shift
  cmake -S "$ROOT" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >&2
  cmake --build "$build_dir" -j "$JOBS" >&2
}
