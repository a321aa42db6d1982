"""castor.read: every format into the common table, columns as numpy views, pandas, errors."""

import numpy as np
import pytest

import castor


def test_mpr_rows_columns_and_meta(nacoo2):
    t = castor.read(nacoo2)
    # navani's test_mpr_reader asserts 46102 rows for this file (SOURCES.md section 2).
    assert t.rows == len(t) == 46102
    assert t.meta["format"] == "biologic-mpr"
    assert t.meta["instrument"].startswith("BioLogic")
    assert t.meta["start_time"].startswith("2020-10-26")
    v = t["voltage_V"]
    assert v.dtype == np.float64 and v.shape == (46102,)
    # galvani: Ewe 1.9999-3.8001 V.
    assert 1.9998 < v.min() < 2.0001 and 3.7999 < v.max() < 3.8002
    assert t.units["voltage_V"] == "V" and t.units["current_A"] == "A"
    assert "Ewe/V" in t.columns  # the file's own columns are kept under their raw names


def test_columns_are_views_of_castor_storage(nacoo2):
    t = castor.read(nacoo2)
    a, b = t["voltage_V"], t["voltage_V"]
    assert np.shares_memory(a, b)  # two accesses, one storage: no copy
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0] = 1.0
    del t  # the array keeps the table alive
    assert np.isfinite(a).all()


def test_to_pandas_names_units_like_pybamm(nacoo2):
    df = castor.read(nacoo2).to_pandas()
    assert "voltage [V]" in df.columns and "current [A]" in df.columns and "time [s]" in df.columns
    assert len(df) == 46102
    assert df.attrs["castor"]["format"] == "biologic-mpr"
    plain = castor.read(nacoo2).to_pandas(units=False, raw=False)
    assert "voltage_V" in plain.columns and "Ewe/V" not in plain.columns


def test_mpr_and_mpt_of_one_run_agree(data):
    # yadg's test_eclab_consistency: the .mpt is the gold of its .mpr (2767 rows, has Ece/V).
    a = castor.read(data / "cycler" / "yadg" / "gcpl.issue_211.mpr")
    b = castor.read(data / "cycler" / "yadg" / "gcpl.issue_211.mpt")
    assert a.rows == b.rows == 2767
    np.testing.assert_allclose(a["voltage_V"], b["voltage_V"], rtol=1e-6, atol=1e-7)
    assert b["voltage_V"][-1] == pytest.approx(-0.59992009, abs=1e-7)


def test_comma_decimal_mpt_reads_as_the_english_one(data):
    en = castor.read(data / "cycler" / "yadg" / "mb.issue_95.mpt")
    de = castor.read(data / "cycler" / "yadg" / "mb.issue_95.de.mpt")
    assert en.rows == de.rows == 33
    np.testing.assert_allclose(en["voltage_V"], de["voltage_V"], rtol=1e-12)
    assert de["voltage_V"][-1] == pytest.approx(2.3260789, abs=1e-7)


def test_header_only_file_is_an_empty_table(data):
    t = castor.read(data / "cycler" / "yadg" / "wait.mpr")
    assert t.rows == 0


def test_ndax_and_forced_format(data):
    t = castor.read(data / "cycler" / "NewareNDA" / "test_2.ndax")
    assert t.meta["format"] == "neware-ndax"
    assert t.meta["active_mass_g"] == pytest.approx(3.04e-3)
    with pytest.raises(castor.InputError) as e:
        castor.read(data / "cycler" / "NewareNDA" / "test_2.ndax", format="biologic-mpr")
    assert e.value.file.endswith("test_2.ndax")


def test_formats_lists_every_kind():
    kinds = {f["kind"] for f in castor.formats()}
    assert {"cycler", "impedance", "xps", "xrd"} <= kinds
    assert any(f["id"] == "biologic-mpr" for f in castor.formats())


def test_truncated_file_is_an_input_error_naming_file_and_position(nacoo2, tmp_path):
    cut = tmp_path / "cut.mpr"
    cut.write_bytes(nacoo2.read_bytes()[:5000])
    try:
        t = castor.read(cut)
    except castor.InputError as e:
        assert e.file == str(cut) and e.kind == "input"
        assert str(cut) in str(e)
    else:  # a reader may keep what the truncated file holds, but must say so
        assert t.meta["warnings"], "a truncated .mpr was read without a warning"


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(castor.Error) as e:
        castor.read(tmp_path / "nope.mpr")
    assert "nope.mpr" in str(e.value)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(castor.InputError) as e:
        castor.read(empty)
    assert e.value.file == str(empty)


def test_unknown_format_name_is_a_usage_or_input_error(nacoo2):
    with pytest.raises(castor.Error):
        castor.read(nacoo2, format="no-such-format")


def test_error_classes_are_also_builtin_ones():
    assert issubclass(castor.UsageError, ValueError)
    assert issubclass(castor.ResourceError, OSError)
    assert issubclass(castor.InputError, castor.Error)


def test_hdf5_bdf_and_json_exports_read_back_and_in_h5py(nacoo2, tmp_path):
    t = castor.read(nacoo2)
    for name in ("t.h5", "t.json", "t.bdf.csv"):
        castor.write(t, tmp_path / name)
        back = castor.read(tmp_path / name)
        assert back.rows == t.rows
        np.testing.assert_allclose(back["voltage_V"], t["voltage_V"], rtol=0, atol=0)
        np.testing.assert_allclose(back["current_A"], t["current_A"], rtol=0, atol=0)
    assert castor.read(tmp_path / "t.h5").meta["format"] == "castor-hdf5"
    assert castor.read(tmp_path / "t.bdf.csv").meta["format"] == "csv"
    h5py = pytest.importorskip("h5py")
    import pandas as pd

    with h5py.File(tmp_path / "t.h5", "r") as f:
        assert f.attrs["castor_format"] == "castor-table 1"
        v = f["columns"]["voltage_V"]
        assert v.attrs["unit"] == "V" and v.attrs["source_name"] == "Ewe/V"
        np.testing.assert_array_equal(v[:], t["voltage_V"])
        assert f["columns"]["Ewe_V"].attrs["name"] == "Ewe/V"  # '/' is HDF5's separator
        df = pd.DataFrame({f["columns"][k].attrs["name"]: f["columns"][k][:] for k in f["columns"]})
    assert len(df) == t.rows and list(df.columns)[: 3] == t.columns[: 3]
    with open(tmp_path / "t.bdf.csv") as fh:
        assert fh.readline().startswith("Test Time / s,Voltage / V,Current / A")
    with pytest.raises(castor.UsageError):
        castor.write(t, tmp_path / "t.parquet")
