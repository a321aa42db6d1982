#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build, run the main job.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release castor_cli castor_python  # the tool and the Python module: tests and benchmarks come with scripts/test.sh
# Installs castor (default prefix /usr/local; CASTOR_PREFIX=DIR for another): the tool in
# bin/, the headers, libraries and CMake package (find_package(castor)) beside it.
SUDO=""
if [ "$(id -u)" -ne 0 ] && [ -z "${CASTOR_PREFIX:-}" ]; then SUDO="sudo"; fi
$SUDO cmake --install "$root/build" ${CASTOR_PREFIX:+--prefix "$CASTOR_PREFIX"} >/dev/null
castor_bin="${CASTOR_PREFIX:-/usr/local}/bin/castor"
echo "castor: installed $("$castor_bin" --version) as $castor_bin"
# The Python module, where Debian's python3 finds it (dist-packages under the prefix).
site="$(cmake -L -N "$root/build" 2>/dev/null | sed -n 's/^CASTOR_PYTHON_INSTALL_DIR:STRING=//p')"
if [ -z "${CASTOR_PREFIX:-}" ]; then
  (cd / && /usr/bin/python3 -c "import castor; print('castor: python3 -c \"import castor\" works (castor', castor.__version__ + ')')")
else
  echo "castor: the Python module is in $CASTOR_PREFIX/$site (PYTHONPATH=$CASTOR_PREFIX/$site)"
fi
echo
# The main job: the paper's NTP | Ca cell simulated through its experiments and analysed by
# castor, printed beside the paper's numbers.
"$castor_bin" demo
