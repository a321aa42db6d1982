#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build, run the main job.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release
echo
"$root/build/apps/castor/castor" info "$root/examples/data/00_test_04_MB_C01.mpr"
