"""Impedance, GITT and CV from Python: the numbers of the CLI examples, as Reports."""

import numpy as np
import pytest

import castor


def test_eis_fit_reports_undetermined_parameters(data):
    f = data / "echem" / "impedance.py" / "exampleData.csv"
    r = castor.eis.fit(f, "R0-p(R1,C1)-p(R2-Wo1,C2)", capacitive_only=True)
    assert r["R0"] == pytest.approx(0.0165051, rel=1e-3)
    assert r["C2"] == pytest.approx(2.76532, rel=1e-3)
    q = {v["name"]: v for v in r.values}
    assert q["R0"]["std_error"] == pytest.approx(0.000132, rel=0.05)
    assert any("Wo1_1" in w or "Wo1_0" in w for w in r.warnings)
    assert len(r.to_pandas(r.table_names[0])) > 0


def test_eis_kk_and_drt(data):
    z = data / "echem" / "impedance.py" / "Circuit3_EIS_1.z"
    r = castor.eis.kk(z, mu_cutoff=0.69)
    assert "consistent with Kramers-Kronig" in r.summary + " ".join(r.notes) + r.text()
    d = castor.eis.drt(data / "echem" / "impedance.py" / "exampleData.csv")
    assert "L-curve corner" in d.summary


def test_spectrum_from_arrays_and_bad_input():
    f = np.logspace(4, -1, 30)
    w = 2 * np.pi * f
    z = 10 + 50 / (1 + 1j * w * 50 * 1e-4)
    s = castor.eis.Spectrum(f, z)
    r = castor.eis.fit(s, "R0-p(R1,C1)", starts=4)
    assert r["R0"] == pytest.approx(10, rel=1e-6)
    assert r["R1"] == pytest.approx(50, rel=1e-6)
    assert r["C1"] == pytest.approx(1e-4, rel=1e-6)
    with pytest.raises(castor.UsageError):
        castor.eis.Spectrum([1.0, -2.0], [1 + 0j, 2 + 0j])
    with pytest.raises(castor.Error) as e:
        castor.eis.fit(s, "R0-p(R1,")
    assert "R0-p(R1," in str(e.value) or e.value.reason


def test_gitt_closed_loop_flags_invalid_pulses():
    # castor's simulator, then castor's GITT (examples/cli/gitt_simulated): 20 pulses, all
    # outside Weppner-Huggins' validity with 10-minute rests.
    sim = castor.simulate("ntp-ca", "(Discharge at 5 mA/g for 30 minutes; Rest for 10 minutes) x 20")
    r = castor.gitt(sim, formula="NaTi2(PO4)3", mass_mg=1.3673, ion="Ca", radius_nm=25)
    pulses = r.to_pandas("pulses")
    assert len(pulses) == 20
    assert any("20 of 20 pulses fail" in w for w in r.warnings)
    with pytest.raises(castor.UsageError):
        castor.gitt(sim, formula="NaTi2(PO4)3", mass_mg=1.3673, ion="Ca")


def test_cv_scan_rates(data):
    files = [data / "echem" / "voltcycle" / f"20mM_DFCA_1M_KOH_{v}mVs_0.5step.DTA.txt" for v in (25, 50, 100, 250, 500)]
    r = castor.cv(files)
    peaks = r.to_pandas("peaks")
    assert len(peaks) >= 5
    assert any("b = 0.36" in w for w in r.warnings)
