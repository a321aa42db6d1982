"""castor.cycling and dqdv on real files: the numbers the CLI prints, as DataFrames."""

import math

import numpy as np
import pytest

import castor

# EC-Lab's own CE for navani's NaCoO2 cell, cycles 1-6 (examples/cli/cycling_nacoo2.out).
NACOO2_CE = [0.8643, 0.9352, 0.9286, 0.9248, 0.9232, 0.9201]


def test_nacoo2_cycles_as_dataframe(nacoo2):
    r = castor.cycling(nacoo2, mass_mg=7)
    df = r.to_pandas("cycles")
    assert list(df["cycle"]) == [0, 1, 2, 3, 4, 5, 6]
    ce = df["coulombic_efficiency"].to_numpy()
    assert math.isnan(ce[0])  # cycle 0 is a lone formation discharge: no CE
    np.testing.assert_allclose(ce[1:], NACOO2_CE, atol=6e-5)
    assert df["discharge_specific_capacity [mAh/g]"][1] == pytest.approx(121.84, abs=0.01)
    assert df["flags"][0] == "partial"
    assert r["cycles"] == 7
    assert r["last_coulombic_efficiency"] == pytest.approx(0.9201, abs=6e-5)
    assert r["first_coulombic_efficiency"] == pytest.approx(0.8643, abs=6e-5)
    assert "discharge/charge" in " ".join(r.notes)


def test_report_to_dict_and_text(nacoo2):
    r = castor.cycling(nacoo2, mass_mg=7)
    d = r.to_dict()
    assert d["analysis"] == "cycling"
    names = [t["name"] for t in d["tables"]] if isinstance(d["tables"], list) else list(d["tables"])
    assert {"cycles", "half_cycles", "steps", "rates"} <= set(names)
    assert "CE %" in r.text()


def test_table_and_path_give_the_same_result(nacoo2):
    t = castor.read(nacoo2)
    a = castor.cycling(t, mass_mg=7).to_pandas("cycles")
    b = castor.cycling(str(nacoo2), mass_mg=7).to_pandas("cycles")
    assert a.equals(b)


def test_mass_from_the_file_and_its_warning(data):
    r = castor.cycling(data / "cycler" / "NewareNDA" / "test_2.ndax")
    assert r["cycles"] == 54
    df = r.to_pandas("cycles")
    assert df["coulombic_efficiency"][0] == pytest.approx(0.4281, abs=6e-5)
    assert "unfinished" in df["flags"].iloc[-1]


def test_options_are_checked(nacoo2):
    with pytest.raises(castor.UsageError):
        castor.cycling(nacoo2, mass_mg=-1)
    with pytest.raises(castor.UsageError):
        castor.cycling(nacoo2, mas_mg=7)  # a typo is refused, not ignored
    with pytest.raises(castor.UsageError):
        castor.cycling(nacoo2, ce="dis/ch")
    with pytest.raises(castor.UsageError):
        castor.cycling(nacoo2, mass_mg=7, loading_mg_cm2=1, area_cm2=1)


def test_dqdv_peaks(nacoo2):
    r = castor.dqdv(nacoo2, cycle=2, mass_mg=7)
    peaks = r.to_pandas("peaks")
    assert set(peaks["curve"]) == {"cycle 2 charge", "cycle 2 discharge"}
    # The couple the hysteresis of cycle 2 is taken from: 2.9680 V (charge) / 2.9510 V (discharge).
    ch = peaks[peaks["curve"] == "cycle 2 charge"]["voltage [V]"].to_numpy()
    assert np.min(np.abs(ch - 2.9680)) < 5e-4
    curves = r.to_pandas("curves")
    assert len(curves) > 100
    with pytest.raises(castor.UsageError):
        castor.dqdv(nacoo2, cycle=99)
