#!/usr/bin/env python3
"""castor.eis.fit against impedance.py's CustomCircuit.fit, in one Python process.

impedance.py's getting-started example: exampleData.csv after ignoreBelowX (57 points),
circuit R0-p(R1,C1)-p(R2-Wo1,C2), its initial guess, unit weights, one local fit each.
The answers are compared (parameters and the sum of squares |Z - Z_fit|^2) before timing;
each side is timed as the median of --repeat calls after one warm-up call, and the first
call is reported too. castor is called from Python (castor.eis.fit, which reads nothing:
the spectrum object is passed) so both sides pay Python's call overhead.

Usage (impedance.py's package on sys.path, Debian python3 with numpy and scipy):
  PYTHONPATH=build/python:/path/to/peers /usr/bin/python3 bench/compare/eis_fit.py --data ../shared/data
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

import castor

CIRCUIT = "R0-p(R1,C1)-p(R2-Wo1,C2)"
GUESS = [.01, .01, 100, .01, .05, 100, 1]


def timed(fn, repeat):
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return out, first, statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    try:
        import altair  # noqa: F401  (impedance.py's plots; not packaged by Debian)
    except ImportError:
        import types
        sys.modules["altair"] = types.ModuleType("altair")  # only its plotting functions use it
    from impedance import preprocessing
    from impedance.models.circuits import CustomCircuit

    path = os.path.join(a.data, "echem/impedance.py/exampleData.csv")
    f, Z = preprocessing.readCSV(path)
    f, Z = preprocessing.ignoreBelowX(f, Z)
    spectrum = [s for s in castor.eis.read(path)][0]

    def peer():
        c = CustomCircuit(CIRCUIT, initial_guess=GUESS)
        c.fit(f, Z)
        return c.parameters_, float(np.sum(np.abs(c.predict(f) - Z) ** 2))

    def ours():
        r = castor.eis.fit(spectrum, CIRCUIT, initial=GUESS, starts=1, capacitive_only=True)
        return [r[name] for name in ("R0", "R1", "C1", "R2", "Wo1_0", "Wo1_1", "C2")], r

    (p_par, p_ssr), p_first, p_warm = timed(peer, a.repeat)
    (c_par, rep), c_first, c_warm = timed(ours, a.repeat)
    c_ssr = rep["sum_squares"]
    n = len(f)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, castor {castor.__version__}; {n} points, {CIRCUIT}")
    print("| | parameters | sum of squares (Ohm^2) | first call | median call |")
    print("| --- | --- | ---: | ---: | ---: |")
    print(f"| impedance.py | {', '.join(f'{x:.5g}' for x in p_par)} | {p_ssr:.6g} | {p_first*1e3:.2f} ms | {p_warm*1e3:.2f} ms |")
    print(f"| castor | {', '.join(f'{x:.5g}' for x in c_par[:len(p_par)])} | {c_ssr:.6g} | {c_first*1e3:.2f} ms | {c_warm*1e3:.2f} ms |")
    print(f"ratio (impedance.py / castor, median): {p_warm / c_warm:.0f}x; "
          f"largest relative parameter difference {max(abs(x - y) / abs(y) for x, y in zip(c_par, p_par)):.1e}")


if __name__ == "__main__":
    main()
