#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build, run the main job.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release castor_cli  # the tool only: tests and benchmarks come with scripts/test.sh
echo
# The main job: the paper's NTP | Ca cell simulated through its experiments and analysed by
# castor, printed beside the paper's numbers.
"$root/build/apps/castor/castor" demo
