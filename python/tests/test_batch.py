"""castor.batch: folders of cells, the cells table, per-file errors; the same as the CLI."""

import csv
import json
import os
import subprocess

import pytest

import castor


def test_folder_of_real_files(data, nacoo2):
    r = castor.batch(data / "cycler")
    cells = r.to_pandas("cells")
    files = set(cells["file"])
    assert str(nacoo2) in files
    assert not any(f.endswith("SOURCES.md") for f in files)  # not a cycler file: skipped, and said
    assert any("SOURCES.md" in n for n in r.notes)
    # A file that fails does not stop the batch: its row holds the error, and a warning says it.
    failed = cells[cells["error"] != ""]
    assert len(failed) == len([w for w in r.warnings])
    ok = cells[cells["error"] == ""]
    assert len(ok) >= 20
    row = cells[cells["file"] == str(nacoo2)].iloc[0]
    assert row["cycles"] == 7
    assert row["first_coulombic_efficiency"] == pytest.approx(0.8643, abs=6e-5)
    long = r.to_pandas("cycles")
    with_cycles = ok[ok["cycles"] > 0]
    assert set(with_cycles["file"]) <= set(long["file"])
    assert len(long[long["file"] == str(nacoo2)]) == 7


def test_cells_table_gives_ids_and_masses(tmp_path, data, nacoo2):
    table = tmp_path / "cells.csv"
    table.write_text("cell_id,files,mass_mg,formula,ion,notes\n"
                     "NaCoO2-C09,jdb11-1_*C09.mpr,7,NaCoO2,Na,navani example\n"
                     "neware-2,test_2.ndax,,,,mass from the file\n")
    r = castor.batch([nacoo2, data / "cycler" / "NewareNDA" / "test_2.ndax"], masses=table)
    cells = r.to_pandas("cells").set_index("cell_id")
    assert cells.loc["NaCoO2-C09", "mass [mg]"] == pytest.approx(7)
    assert "cells table, line 2" in cells.loc["NaCoO2-C09", "mass_source"]
    assert cells.loc["NaCoO2-C09", "first_discharge_specific_capacity [mAh/g]"] == pytest.approx(121.84, abs=0.01)
    assert cells.loc["neware-2", "mass [mg]"] == pytest.approx(3.04)
    assert cells.loc["NaCoO2-C09", "formula"] == "NaCoO2"


def test_bad_cells_table_names_the_line(tmp_path, nacoo2):
    table = tmp_path / "cells.csv"
    table.write_text("cell_id,files,mass_mg\nA,*.mpr,seven\n")
    with pytest.raises(castor.InputError) as e:
        castor.batch([nacoo2], masses=table)
    assert e.value.line == 2 and e.value.file == str(table)
    table.write_text("cell,files\nA,*.mpr\n")
    with pytest.raises(castor.InputError):
        castor.read_cells_table(table)


def test_only_listed_and_unreadable_files(tmp_path, nacoo2):
    bad = tmp_path / "broken.mpr"
    bad.write_bytes(b"BIO-LOGIC MODULAR FILE\x1a" + b"\0" * 40)
    table = tmp_path / "cells.csv"
    table.write_text("cell_id,files,mass_mg\nA,jdb11*.mpr,7\n")
    r = castor.batch([nacoo2, bad], masses=table, only_listed=True)
    cells = r.to_pandas("cells")
    assert cells["error"][0] == ""
    assert "broken.mpr" in cells["error"][1]
    assert cells["cell_id"][1] == "broken"


def test_nothing_to_read_is_a_usage_error(tmp_path):
    with pytest.raises(castor.UsageError):
        castor.batch(tmp_path / "no-such-folder")
    with pytest.raises(castor.UsageError):
        castor.batch(str(tmp_path / "*.mpr"))


def test_progress_is_called_for_every_file(data):
    seen = []
    castor.batch(data / "cycler" / "yadg", progress=lambda done, total: seen.append((done, total)), threads=2)
    assert seen and seen[-1][0] == seen[-1][1] == len(seen)


def test_cli_batch_writes_the_same_summary(tmp_path, data):
    cli = os.environ.get("CASTOR_CLI")
    if not cli:
        pytest.skip("CASTOR_CLI is not set (ctest sets it)")
    out = tmp_path / "summary.csv"
    p = subprocess.run([cli, "batch", str(data / "cycler" / "yadg"), "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    with open(out) as f:
        rows = list(csv.DictReader(f))
    py = castor.batch(data / "cycler" / "yadg").to_pandas("cells", units=False)
    assert [r["file"] for r in rows] == list(py["file"])
    assert (tmp_path / "summary_cycles.csv").exists()
    js = tmp_path / "summary.json"
    subprocess.run([cli, "batch", str(data / "cycler" / "yadg"), "-o", str(js), "-q"], check=True, capture_output=True)
    doc = json.loads(js.read_text())
    assert doc["analysis"] == "batch"
