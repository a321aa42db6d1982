#!/usr/bin/env python3
"""Cold reads: one castor.read in a fresh process, against merely touching the same bytes.

On a VM the first write to fresh memory costs a page fault per 4 KiB page, so a reader that
allocates N bytes of columns cannot be faster than a process that only writes N fresh
bytes. For each file this script starts a new Python process that imports castor and
numpy, then times (a) one castor.read(path) and (b), in another new process, writing as
many fresh bytes as castor's returned columns hold (columns sharing storage counted once),
one fresh array per column of the same
size (numpy.empty(n).fill): the same allocations, nothing decoded. The ratio a/b is
how far the reader is from that floor; the peer (galvani's MPRfile, NewareNDA.read) is timed
the same way, cold, in its own process. Every figure is the median of --repeat processes.

Usage:
  PYTHONPATH=build/python:/path/to/peers /usr/bin/python3 bench/compare/read_cold.py --data ../shared/data
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r'''
import json, sys, time
import numpy as np
kind, path = sys.argv[1], sys.argv[2]
if kind == "castor":
    import castor
    t0 = time.perf_counter(); t = castor.read(path); dt = time.perf_counter() - t0
    sizes, seen = [], set()
    for info in t.column_info():
        if info["kind"] == "number":
            a = t[info["name"]]
            # a common column sharing a raw column's storage is one allocation, counted once
            addr = a.__array_interface__["data"][0]
            if addr not in seen:
                seen.add(addr)
                sizes.append(a.nbytes)
        else:
            sizes.append(32 * t.rows)  # one std::string (short-string storage) per row
    print(json.dumps({"s": dt, "bytes": sum(sizes), "rows": t.rows, "sizes": sizes}))
elif kind == "touch":
    # One fresh array per column, each the size of castor's: the same allocations, only
    # written once (numpy.empty + fill), nothing decoded.
    sizes = [int(x) for x in path.split(",")]
    t0 = time.perf_counter()
    keep = []
    for n in sizes:
        a = np.empty(n // 8)
        a.fill(1.0)
        keep.append(a)
    dt = time.perf_counter() - t0
    print(json.dumps({"s": dt}))
elif kind == "galvani":
    import pandas as pd
    from galvani import BioLogic
    t0 = time.perf_counter(); m = BioLogic.MPRfile(path); d1 = time.perf_counter() - t0
    df = pd.DataFrame(m.data); dt = time.perf_counter() - t0
    print(json.dumps({"s": dt, "s_view": d1}))
elif kind == "NewareNDA":
    import NewareNDA
    t0 = time.perf_counter(); df = NewareNDA.read(path); dt = time.perf_counter() - t0
    print(json.dumps({"s": dt}))
'''


def child(kind, arg):
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(arg)], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout)


def median_of(kind, arg, repeat):
    runs = [child(kind, arg) for _ in range(repeat)]
    if any("error" in r for r in runs):
        return next(r for r in runs if "error" in r)
    res = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k != "sizes"}
    if "sizes" in runs[0]:
        res["sizes"] = runs[0]["sizes"]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--file", action="append", default=[], metavar="PEER:PATH")
    a = ap.parse_args()
    cases = [
        ("galvani", "cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"),
        ("galvani", "cycler/cellpy/biol.mpr"),
        ("NewareNDA", "cycler/NewareNDA/test_2.ndax"),
        ("NewareNDA", "cycler/NewareNDA/TestFile.nda"),
    ]
    for extra in a.file:
        kind, _, rel = extra.partition(":")
        cases.append((kind, os.path.abspath(rel)))
    print("| file | rows | castor's columns | castor cold read | touching those bytes | castor / touch | peer cold (to DataFrame) | peer / castor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, rel in cases:
        path = os.path.join(a.data, rel)
        c = median_of("castor", path, a.repeat)
        if "error" in c:
            print(f"| `{os.path.basename(rel)}` | castor fails: {c['error']} |")
            continue
        t = median_of("touch", ",".join(str(n) for n in c["sizes"]), a.repeat)
        p = median_of(kind, path, a.repeat)
        peer = f"{kind} {p['s']*1e3:.1f} ms" if "error" not in p else f"{kind} fails"
        ratio = f"{p['s']/c['s']:.1f}x" if "error" not in p else "-"
        print(f"| `{os.path.basename(rel)}` | {int(c['rows']):,} | {c['bytes']/1e6:.1f} MB | {c['s']*1e3:.1f} ms | "
              f"{t['s']*1e3:.1f} ms | {c['s']/t['s']:.2f} | {peer} | {ratio} |")


if __name__ == "__main__":
    main()
