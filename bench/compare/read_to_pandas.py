#!/usr/bin/env python3
"""castor.read(path).to_pandas() against galvani and NewareNDA, in one Python process.

Same files, same process, same output kind (a pandas DataFrame of every record). For each
file: the first call in the process ("first", the files are in the page cache: this is the
import-free cost a notebook pays on its first cell after imports) and the median of
--repeat further calls ("warm"). The answers are compared before timing: same row count and
the same voltage and current in every row (castor converts EC-Lab's mA to A).

Usage (the peers' sources on sys.path, Debian python3 with numpy and pandas):
  PYTHONPATH=build/python:/path/to/peers /usr/bin/python3 bench/compare/read_to_pandas.py \
      --data ../shared/data [--repeat 5]
where /path/to/peers holds the packages galvani/ (echemdata/galvani) and NewareNDA/
(d-cogswell/NewareNDA), for example from `git archive` of their repositories.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd

import castor


def galvani_read(path):
    from galvani import BioLogic
    return pd.DataFrame(BioLogic.MPRfile(path).data)


def newarenda_read(path):
    import NewareNDA
    return NewareNDA.read(path)


def check_same(kind, ours, theirs, path):
    """Raises when castor's table and the peer's DataFrame do not hold the same records."""
    if len(ours) != len(theirs):
        raise SystemExit(f"{path}: castor has {len(ours)} rows, {kind} {len(theirs)}")
    if kind == "galvani":
        volt = theirs["Ewe/V"].to_numpy(dtype=float)
        cur = theirs["I/mA"].to_numpy(dtype=float) / 1e3 if "I/mA" in theirs else None
    else:
        volt = theirs["Voltage"].to_numpy(dtype=float)
        cur = theirs["Current(mA)"].to_numpy(dtype=float) / 1e3
    dv = float(np.nanmax(np.abs(ours["voltage [V]"].to_numpy() - volt)))
    di = float(np.nanmax(np.abs(ours["current [A]"].to_numpy() - cur))) if cur is not None else float("nan")
    return dv, di


def time_calls(fn, path, repeat):
    t0 = time.perf_counter()
    fn(path)
    first = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(path)
        warm.append(time.perf_counter() - t0)
    return first, statistics.median(warm)


def ratio_text(r):
    """peer / castor: below 10 with one decimal (0.6x is castor slower, never rounded to 1x)."""
    return f"{r:.1f}x" if r < 10 else f"{r:.0f}x"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep-heap", action="store_true",
                    help="glibc keeps freed memory (mallopt), for both sides: no page faults on warm calls")
    ap.add_argument("--file", action="append", default=[], metavar="PEER:PATH",
                    help="one more case, e.g. NewareNDA:/tmp/large_v26.nda (from make_large_nda.py)")
    a = ap.parse_args()
    if a.keep_heap:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        libc.mallopt(M_MMAP_THRESHOLD, 512 << 20)
        libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    cases = [
        ("galvani", "cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"),
        ("galvani", "cycler/cellpy/biol.mpr"),
        ("galvani", "cycler/yadg/cv.issue_217.mpr"),
        ("NewareNDA", "cycler/NewareNDA/test_2.ndax"),
        ("NewareNDA", "cycler/NewareNDA/TESTCELL0001-B2-2025-M50T_NewareNDA_Investigation.ndax"),
        ("NewareNDA", "cycler/NewareNDA/TestFile.nda"),
        ("NewareNDA", "cycler/NewareNDA/new_nda_file.nda"),
    ]
    for extra in a.file:
        kind, _, rel = extra.partition(":")
        cases.append((kind, os.path.abspath(rel)))
    peers = {"galvani": galvani_read, "NewareNDA": newarenda_read}
    ours = lambda p: castor.read(p).to_pandas()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"castor {castor.__version__}, keep-heap {a.keep_heap}")
    print("| file | rows | same answer (max abs diff V / A) | castor first | castor warm | peer | peer first | peer warm | ratio warm |")
    print("| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |")
    for kind, rel in cases:
        path = os.path.join(a.data, rel)
        if not os.path.exists(path):
            print(f"| {rel} | missing | | | | | | | |")
            continue
        # Each side's first call is timed before anything else touches that file in this process.
        c_first, c_warm = time_calls(ours, path, a.repeat)
        try:
            p_first, p_warm = time_calls(peers[kind], path, a.repeat)
        except Exception as e:  # the peer cannot read the file: that is the result
            print(f"| `{os.path.basename(rel)}` | {len(ours(path)):,} | {kind} fails: {type(e).__name__}: {e} | "
                  f"{c_first*1e3:.1f} ms | {c_warm*1e3:.1f} ms | {kind} | - | - | - |")
            continue
        ours_df, theirs_df = ours(path), peers[kind](path)
        dv, di = check_same(kind, ours_df, theirs_df, path)
        print(f"| `{os.path.basename(rel)}` | {len(ours_df):,} | {dv:.1e} / {di:.1e} | {c_first*1e3:.1f} ms | "
              f"{c_warm*1e3:.1f} ms | {kind} | {p_first*1e3:.1f} ms | {p_warm*1e3:.1f} ms | {ratio_text(p_warm / c_warm)} |")


if __name__ == "__main__":
    main()
