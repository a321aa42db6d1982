#!/usr/bin/env bash
# The consume test: installs the castor build in BUILD into a scratch prefix, builds the
# outside programs of tests/consume against it with find_package(castor), and runs them on
# real files.  Usage: tests/consume/run.sh BUILD_DIR SCRATCH_DIR MPR_FILE EIS_FILE
set -euo pipefail
build="$1" scratch="$2" mpr="$3" eis="$4"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$scratch" && mkdir -p "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
test -x "$scratch/prefix/bin/castor"
test -f "$scratch/prefix/lib/cmake/castor/castorConfig.cmake"
if find "$scratch/prefix/include/castor" -name '*.h' -path '*detail*' | grep -q .; then
  echo "consume: internal (detail) headers were installed" >&2; exit 1
fi
if grep -rlE '#include <(Eigen|ceres|sundials|ida|nvector|sunmatrix|sunlinsol|toml\+\+|pugixml|zip|mdbtools)' "$scratch/prefix/include/castor"; then
  echo "consume: a public header includes a solver or parser library" >&2; exit 1
fi
cmake -S "$here" -B "$scratch/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/build" >/dev/null
"$scratch/build/read_rows" "$mpr"
"$scratch/build/fit_spectrum" "$eis" "R0-p(R1,CPE1)"
# A reader-only program links no solver.
if ldd "$scratch/build/read_rows" | grep -E 'ceres|sundials|klu'; then
  echo "consume: read_rows (castor::io) links a solver" >&2; exit 1
fi
"$scratch/prefix/bin/castor" --version
