#!/usr/bin/env bash
# Debian packages with CPack: castor (the tool) and castor-dev (headers, static libraries,
# the CMake package), written to build/. Install with: apt-get install ./build/castor_*.deb
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" release castor_cli
cd "$root/build" && cpack -G DEB
