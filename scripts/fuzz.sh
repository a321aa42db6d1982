#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang 14, ASan + UBSan) and runs each for a fixed time,
# as many side by side as there are cores ($CASTOR_FUZZ_JOBS), seeded from the real files in
# ../shared/data. Usage: scripts/fuzz.sh [SECONDS per harness]
# (default 20, or $CASTOR_FUZZ_SECONDS), with a fixed seed ($CASTOR_FUZZ_SEED, default 1) so
# that a CI run explores the same mutations as the last one did (as far as its speed allows);
# a soak for new findings sets another seed and more seconds. A crash, a leak, a sanitizer report, an input that
# runs longer than 10 s or an allocation past 2 GB fails the run; the input is kept under
# build-asan/findings/ and becomes a regression test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-${CASTOR_FUZZ_SECONDS:-20}}"
data="$root/../shared/data"
# The harnesses live in the clang sanitizer build (scripts/build.sh sanitize; built there
# already when scripts/test.sh ran its tests, so this only checks that they are up to date).
dir="$root/build-asan"
clang="$(command -v clang++-14 || true)"
if [ -z "$clang" ]; then echo "fuzz.sh: the libFuzzer harnesses need clang++-14 (scripts/install-deps.sh installs it)" >&2; exit 2; fi
CASTOR_SANITIZE_CXX="$clang" "$root/scripts/build.sh" sanitize castor_fuzzers

# Seeds: the real files of each kind (small ones, so that a run explores mutations).
seed() {  # seed NAME PATTERN...
  local corpus="$dir/corpus/$1"; shift
  mkdir -p "$corpus"
  for pattern in "$@"; do
    find "$data" -type f -size -600k -name "$pattern" -exec cp -n {} "$corpus/" \; 2>/dev/null || true
  done
}
seed biologic_mpr '*.mpr'
seed neware_nda '*.nda'
seed neware_ndax '*.ndax'
seed arbin_res '*.res'
seed text_tables '*.mpt' '*.csv' '*.txt' '*.DTA'
seed impedance '*.z' '*.DTA' '*.par' 'exampleData*.txt' 'LIB_data*.txt'
cp -n "$root"/tests/data/pyimpspec/data* "$dir/corpus/impedance/" 2>/dev/null || true
seed xps '*.vms' '*.spe' '*.xy' 'PET_C1s.csv'
seed xrd '*.xrdml' '*.XRA' '*.xye'
# Every kept finding seeds its own harness (tests/data/fuzz/<harness>-*).
for f in "$root"/tests/data/fuzz/*-*; do
  h="$(basename "$f")"; h="${h%%-*}"; mkdir -p "$dir/corpus/$h"; cp -n "$f" "$dir/corpus/$h/" 2>/dev/null || true
done
mkdir -p "$dir/corpus/strings"
printf '\x00R0-p(R1,CPE1)-W1' > "$dir/corpus/strings/circuit"
printf '\x01NaTi2(PO4)3' > "$dir/corpus/strings/formula"
printf '\x02(Discharge at 5 mA/g until 1.5 V; Rest for 10 minutes) x 3' > "$dir/corpus/strings/protocol"
printf '\x03preset = "ntp-ca"\n[cathode]\nk0_A_m2 = 1e-3\n' > "$dir/corpus/strings/params"
mkdir -p "$dir/corpus/simulate"
printf '\x00Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V; Hold at 2.6 V until 1 mA/g' > "$dir/corpus/simulate/cccv"
printf '\x01(Discharge at 1 C for 20 minutes; Rest for 10 minutes) x 3' > "$dir/corpus/simulate/gitt"
printf '\x02Sweep from 2.6 V to 1.5 V at 1 mV/s; Impedance from 10 kHz to 10 mHz at 5 mV, 5 per decade' > "$dir/corpus/simulate/cv"
printf '\x03Charge at 1 C for 1 hour' > "$dir/corpus/simulate/empty"

mkdir -p "$dir/findings"
# The harnesses run side by side, one per core ($CASTOR_FUZZ_JOBS, default nproc): each runs
# for its own wall time, so the smoke runs take seconds x harnesses / cores.
jobs="${CASTOR_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
fuzz_one() {  # fuzz_one HARNESS-PATH; its report goes to findings/<name>.log, its verdict to .status
  local f="$1" name; name="$(basename "$f")"; name="${name#fuzz_}"
  mkdir -p "$dir/corpus/$name"
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$f" -seed="${CASTOR_FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=0 \
      -artifact_prefix="$dir/findings/$name-" "$dir/corpus/$name" > "$dir/findings/$name.log" 2>&1; then
    echo ok > "$dir/findings/$name.status"
  else
    echo finding > "$dir/findings/$name.status"
  fi
}
harnesses=("$dir"/tests/fuzz/fuzz_*)
running=0
for f in "${harnesses[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  name="$(basename "$f")"; rm -f "$dir/findings/${name#fuzz_}.status"
  echo "== fuzz ${name#fuzz_} for ${seconds}s"
  fuzz_one "$f" &
  running=$((running + 1))
done
wait
status=0
for f in "${harnesses[@]}"; do
  name="$(basename "$f")"; name="${name#fuzz_}"
  if [ "$(cat "$dir/findings/$name.status" 2>/dev/null)" != ok ]; then
    echo "FINDING in $name (see $dir/findings/$name.log):"; tail -30 "$dir/findings/$name.log"; status=1
  else
    echo "$name: $(grep -E "^#[0-9]+.*(DONE|pulse)" "$dir/findings/$name.log" | tail -1 || true)"
  fi
done
exit $status
