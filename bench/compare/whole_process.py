#!/usr/bin/env python3
"""Whole-process reads: `castor info FILE` against `python3 -c` with the peer's read, start-up included.

What a user pays when a shell script or a Makefile reads one file: a new process, the
library's start-up and the read. Each command runs --repeat times (after one run to warm
the page cache); the median wall time is printed, with `castor --version` as the start-up
floor.

Usage (peers on PYTHONPATH, the castor executable built):
  PYTHONPATH=/path/to/peers /usr/bin/python3 bench/compare/whole_process.py --data ../shared/data \\
      --castor build/apps/castor/castor
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

PEER_CODE = {
    "galvani": "import sys, pandas; from galvani import BioLogic; pandas.DataFrame(BioLogic.MPRfile(sys.argv[1]).data)",
    "NewareNDA": "import sys, NewareNDA; NewareNDA.read(sys.argv[1])",
}


def wall(cmd, repeat):
    subprocess.run(cmd, capture_output=True, check=False)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t0)
        if out.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)}: exit {out.returncode}: {out.stderr.decode()[-300:]}")
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    ap.add_argument("--castor", default="castor")
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args()
    cases = [
        ("galvani", "cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"),
        ("galvani", "cycler/cellpy/biol.mpr"),
        ("NewareNDA", "cycler/NewareNDA/test_2.ndax"),
        ("NewareNDA", "cycler/NewareNDA/new_nda_file.nda"),
    ]
    floor = wall([a.castor, "--version"], a.repeat)
    py_floor = wall([sys.executable, "-c", "pass"], a.repeat)
    print(f"start-up: castor --version {floor*1e3:.1f} ms; {os.path.basename(sys.executable)} -c pass {py_floor*1e3:.1f} ms")
    print("| file | castor info | peer | python3 -c + peer read | ratio |")
    print("| --- | ---: | --- | ---: | ---: |")
    for kind, rel in cases:
        path = os.path.join(a.data, rel)
        c = wall([a.castor, "info", path], a.repeat)
        p = wall([sys.executable, "-c", PEER_CODE[kind], path], a.repeat)
        print(f"| `{os.path.basename(rel)}` | {c*1e3:.1f} ms | {kind} | {p*1e3:.0f} ms | {p/c:.0f}x |")


if __name__ == "__main__":
    main()
