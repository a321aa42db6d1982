#!/usr/bin/env bash
# Configures and builds castor. Usage: scripts/build.sh [release|sanitize] [TARGET...]
# (no target: everything, tests and benchmarks included; the quick start builds only castor_cli)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kind="${1:-release}"
jobs="$(nproc 2>/dev/null || echo 2)"
env=()
case "$kind" in
  release)  dir="$root/build";      flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # -O1 -g1: line numbers in sanitizer reports. With clang 14 (the default when it is
  # installed) the same build also holds the libFuzzer harnesses (CASTOR_FUZZ), so that CI
  # compiles the library twice, not three times; CASTOR_SANITIZE_CXX=g++ builds it with GCC
  # (no harnesses). A clean build takes ~7.5 min on 2 cores.
  sanitize) dir="$root/build-asan"; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
                                          -DCASTOR_SANITIZE=ON -DCASTOR_BUILD_BENCH=OFF -DCASTOR_BUILD_PYTHON=OFF)
            cxx="${CASTOR_SANITIZE_CXX:-$(command -v clang++-14 || echo g++)}"
            case "$(basename "$cxx")" in
              clang++*) env=(CC="${cxx/clang++/clang}" CXX="$cxx"); flags+=(-DCASTOR_FUZZ=ON) ;;
              *)        env=(CC=gcc CXX="$cxx"); flags+=(-DCASTOR_FUZZ=OFF) ;;
            esac
            # a build folder configured with the other compiler is configured afresh
            if [ -f "$dir/CMakeCache.txt" ] && ! grep -q "^CMAKE_CXX_COMPILER:[A-Z]*=$(command -v "$cxx")\$" "$dir/CMakeCache.txt"; then
              rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
            fi ;;
  *) echo "usage: $0 [release|sanitize]" >&2; exit 2 ;;
esac
env "${env[@]}" cmake -S "$root" -B "$dir" -G Ninja -DCASTOR_WERROR=ON "${flags[@]}" >/dev/null
targets=()
for t in "${@:2}"; do targets+=(--target "$t"); done
cmake --build "$dir" -j "$jobs" "${targets[@]}"
