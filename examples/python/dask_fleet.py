#!/usr/bin/env python3
"""A fleet of cells and a parameter sweep on a Dask cluster.

Run on one machine (a LocalCluster of two workers):
    python3 examples/python/dask_fleet.py ../shared/data/cycler
or against a cluster started elsewhere (see README, "Dask"):
    python3 examples/python/dask_fleet.py ../shared/data/cycler --scheduler tcp://host:8786
"""
import argparse
import time

from distributed import Client, LocalCluster

import castor
import castor.dask


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", nargs="+", help="files, folders or globs of cycler files")
    ap.add_argument("--scheduler", help="address of a running dask-scheduler (default: a LocalCluster)")
    a = ap.parse_args()
    cluster = None if a.scheduler else LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with Client(a.scheduler or cluster) as client:
        t0 = time.perf_counter()
        s = castor.dask.batch(a.inputs, client=client)
        dt = time.perf_counter() - t0
        print(f"{len(s.cells)} files in {dt:.2f} s: {s.failed} failed, {len(s.skipped)} skipped")
        print(s.cells[["cell_id", "format", "cycles", "first_discharge_capacity [mAh]", "first_coulombic_efficiency"]]
              .head(5).to_string(index=False))
        runs = castor.dask.simulate_many([{"cathode.k0_A_m2": k} for k in (0.01, 0.1, 1.0)], "Discharge at 5 mA/g until 1.5 V",
                                         client=client)
        for k, (df, ledger) in zip((0.01, 0.1, 1.0), runs):
            v, t = df["voltage [V]"].to_numpy(), df["time [s]"].to_numpy()
            mean_v = (0.5 * (v[1:] + v[:-1]) * (t[1:] - t[:-1])).sum() / (t[-1] - t[0])
            print(f"k0 {k:g} A/m2: {t[-1] / 3600:.2f} h to 1.5 V, time-averaged voltage {mean_v:.4f} V, "
                  f"charge imbalance {ledger['imbalance']:.1e}")
    if cluster is not None:
        cluster.close()


if __name__ == "__main__":
    main()
