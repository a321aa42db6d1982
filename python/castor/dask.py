"""castor on a Dask cluster: the batch of many cells, and parameter sweeps of the simulator.

>>> from distributed import Client
>>> import castor.dask
>>> client = Client("tcp://scheduler:8786")              # or Client() for a LocalCluster
>>> s = castor.dask.batch(["/data/cells"], client=client, masses="cells.csv")
>>> s.cells            # one row per file, as castor.batch(...).to_pandas("cells")
>>> s.cycles           # every cell's cycles, long form

Each task evaluates a group of files with castor's C++ batch on that worker (its threads
set by `threads_per_task`) and sends back plain tables, so the workers need castor
installed (the same version) and the files at the same paths (a shared file system).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import castor


@dataclass
class BatchSummary:
    """What castor.dask.batch gives: the cells and cycles tables as DataFrames, the errors
    (one per failed file) and the files skipped in folders."""

    cells: Any
    cycles: Any
    warnings: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return int((self.cells["error"] != "").sum())


@contextlib.contextmanager
def _client(client):
    """The given client; else the default one; else a new LocalCluster, closed afterwards."""
    from distributed import Client, default_client

    if client is None:
        try:
            client = default_client()
        except ValueError:  # no client in this process
            pass
    if client is not None:
        yield client
        return
    with Client(processes=True, dashboard_address=None) as own:
        yield own


def _batch_task(files: list[str], masses: str, only_listed: bool, threads: int, options: dict):
    rep = castor.batch(files, masses=masses or None, only_listed=only_listed, threads=threads, **options)
    return rep.to_pandas("cells"), rep.to_pandas("cycles"), list(rep.warnings)


def batch(inputs, client=None, masses: str | os.PathLike | None = None, only_listed: bool = False, files_per_task: int = 8,
          threads_per_task: int = 1, **options) -> BatchSummary:
    """The same summary as castor.batch, computed as Dask tasks.

    inputs: files, folders or globs, expanded here (on the client) exactly as castor.batch
    expands them. client: a distributed.Client (None: the default client, or a new
    LocalCluster). files_per_task: files evaluated by one task (small files: more per task).
    The rows come back in the order of the inputs.
    """
    import pandas as pd

    items = [os.fspath(inputs)] if isinstance(inputs, (str, os.PathLike)) else [os.fspath(i) for i in inputs]
    files, skipped = castor._castor.expand_inputs(items)
    files = [os.path.abspath(f) for f in files]
    if files_per_task < 1:
        raise castor.UsageError(f"files_per_task={files_per_task}: at least 1")
    masses_path = os.path.abspath(os.fspath(masses)) if masses else ""
    if masses_path:
        castor.read_cells_table(masses_path)  # every worker reads it: a bad table fails here, once, with its line
    with _client(client) as client:
        groups = [files[i:i + files_per_task] for i in range(0, len(files), files_per_task)]
        futures = client.map(_batch_task, groups, [masses_path] * len(groups), [only_listed] * len(groups),
                             [threads_per_task] * len(groups), [options] * len(groups), pure=False)
        parts = client.gather(futures)
    cells = pd.concat([p[0] for p in parts], ignore_index=True)
    cycles = pd.concat([p[1] for p in parts], ignore_index=True)
    warnings = [w for p in parts for w in p[2]]
    return BatchSummary(cells=cells, cycles=cycles, warnings=warnings, skipped=list(skipped))


def _simulate_task(params: str, protocol: str, overrides: dict, rtol: float):
    sim = castor.simulate(params, protocol, rtol=rtol, overrides=overrides)
    return sim.table.to_pandas(raw=False), sim.ledger


def simulate_many(params_list: Sequence[str | dict], protocol: str, client=None, base: str = "ntp-ca", rtol: float = 1e-7):
    """Simulates each parameter set as a Dask task; returns [(DataFrame, ledger), ...] in order.

    Each item is a preset name or .toml file, or a dict of overrides of `base` by parameter
    path ({"cathode.k0_A_m2": 0.5}). The common columns come back (time [s], voltage [V],
    current [A], ...), as castor.simulate(...).to_pandas(raw=False) gives them.
    """
    with _client(client) as client:
        args = []
        for p in params_list:
            if isinstance(p, dict):
                args.append((base, p))
            else:
                args.append((os.path.abspath(os.fspath(p)) if os.fspath(p).endswith(".toml") else os.fspath(p), {}))
        futures = [client.submit(_simulate_task, a, protocol, o, rtol, pure=False) for a, o in args]
        return client.gather(futures)
