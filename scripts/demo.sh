#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build, run the main job.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release castor_cli  # the tool only: tests and benchmarks come with scripts/test.sh
# Installs castor (default prefix /usr/local; CASTOR_PREFIX=DIR for another): the tool in
# bin/, the headers, libraries and CMake package (find_package(castor)) beside it.
SUDO=""
if [ "$(id -u)" -ne 0 ] && [ -z "${CASTOR_PREFIX:-}" ]; then SUDO="sudo"; fi
$SUDO cmake --install "$root/build" ${CASTOR_PREFIX:+--prefix "$CASTOR_PREFIX"} >/dev/null
castor_bin="${CASTOR_PREFIX:-/usr/local}/bin/castor"
echo "castor: installed $("$castor_bin" --version) as $castor_bin"
echo
# The main job: the paper's NTP | Ca cell simulated through its experiments and analysed by
# castor, printed beside the paper's numbers.
"$castor_bin" demo
