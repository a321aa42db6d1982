#!/usr/bin/env bash
# Configures and builds castor. Usage: scripts/build.sh [release|sanitize]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-release}"
jobs="$(nproc 2>/dev/null || echo 2)"
case "$kind" in
  release)  dir="$root/build";      flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  sanitize) dir="$root/build-asan"; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCASTOR_SANITIZE=ON -DCASTOR_BUILD_BENCH=OFF) ;;
  *) echo "usage: $0 [release|sanitize]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja -DCASTOR_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "$dir" -j "$jobs"
