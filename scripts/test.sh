#!/usr/bin/env bash
# Quick start, step 2: every test, in a release build and in an ASan+UBSan build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"
"$root/scripts/install-deps.sh"
echo "== release build"
"$root/scripts/build.sh" release
ctest --test-dir "$root/build" --output-on-failure -j "$jobs"
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
"$root/scripts/build.sh" sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs"
echo "== libFuzzer harnesses (clang 14), ${CASTOR_FUZZ_SECONDS:-10} s each"
"$root/scripts/fuzz.sh" "${CASTOR_FUZZ_SECONDS:-10}"
