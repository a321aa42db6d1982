"""castor.dask on a LocalCluster: 500+ files give the same summary as the local batch."""

import os
import time

import pytest

import castor

distributed = pytest.importorskip("distributed")
import castor.dask  # noqa: E402


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, data):
    # 510 cells: copies (links) of three small real files under different names.
    root = tmp_path_factory.mktemp("fleet")
    sources = [data / "cycler" / "yadg" / "gcpl.issue_149.mpr", data / "cycler" / "yadg" / "mb.issue_95.mpt",
               data / "cycler" / "cellpy" / "neware_uio.csv"]
    for i in range(510):
        src = sources[i % 3]
        os.symlink(src, root / f"cell{i:04d}{src.suffix}")
    return root


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_batch_equals_local_batch(fleet, client):
    t0 = time.perf_counter()
    s = castor.dask.batch(fleet, client=client, files_per_task=32)
    wall = time.perf_counter() - t0
    local = castor.batch(fleet)
    cells = local.to_pandas("cells")
    assert len(s.cells) == len(cells) == 510
    assert list(s.cells["file"]) == list(cells["file"])
    assert s.cells.equals(cells)
    assert s.cycles.equals(local.to_pandas("cycles"))
    assert s.failed == int((cells["error"] != "").sum())
    print(f"castor.dask.batch: 510 files on 2 workers in {wall:.2f} s ({510 / wall:.0f} files/s)")


def test_simulate_many_sweeps_a_parameter(client):
    runs = castor.dask.simulate_many([{"cathode.k0_A_m2": k} for k in (1e-3, 1e-2, 1.0)], "Discharge at 5 mA/g until 1.5 V",
                                     client=client)
    assert len(runs) == 3
    direct = castor.simulate("ntp-ca", "Discharge at 5 mA/g until 1.5 V", overrides={"cathode.k0_A_m2": 1.0})
    df, ledger = runs[2]
    assert len(df) == direct.table.rows
    assert ledger["passed_C"] == pytest.approx(direct.ledger["passed_C"], rel=1e-12)
    # a slower reaction gives a lower voltage at the same time
    assert runs[0][0]["voltage [V]"].iloc[5] < runs[2][0]["voltage [V]"].iloc[5]
