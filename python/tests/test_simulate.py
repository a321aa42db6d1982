"""castor.simulate: the common table, the charge ledger and the closed loop with cycling."""

import numpy as np
import pytest

import castor


def test_discharge_table_and_ledger():
    sim = castor.simulate("ntp-ca", "Discharge at 5 mA/g until 1.5 V; Rest for 10 minutes")
    t = sim.table
    assert 1400 < t.rows < 1800  # examples/cli/simulate_discharge.out: one row per solver step (1575 on 2026-12-03; rounding moves it)
    assert t["voltage_V"][0] == pytest.approx(1.9197091165153144, rel=1e-9)
    assert sim.ledger["passed_C"] == pytest.approx(-0.262239, rel=1e-5)
    assert abs(sim.ledger["imbalance"]) < 1e-9
    df = sim.to_pandas(raw=False)
    assert "voltage [V]" in df.columns


def test_simulated_cycle_analysed_like_a_measured_one():
    # The simulator writes the common table, so cycling runs unchanged: the passed charge
    # of the discharge is the capacity castor reports.
    sim = castor.simulate("ntp-ca", "Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.4 V")
    r = castor.cycling(sim)
    df = r.to_pandas("cycles")
    assert len(df) == 1
    q_dis = -castor.simulate("ntp-ca", "Discharge at 5 mA/g until 1.5 V").ledger["passed_C"] / 3.6  # mAh
    assert df["discharge_capacity [mAh]"][0] == pytest.approx(q_dis, rel=1e-3)


def test_overrides_change_the_answer_and_bad_ones_are_refused():
    base = castor.simulate("ntp-ca", "Discharge at 5 mA/g until 1.5 V")
    slow = castor.simulate("ntp-ca", "Discharge at 5 mA/g until 1.5 V", overrides={"cathode.k0_A_m2": 1e-3})
    # a 1000x slower insertion changes the voltage one hour into the same discharge
    at = lambda sim: np.interp(3600.0, sim.table["time_s"], sim.table["voltage_V"])  # noqa: E731
    assert abs(at(slow) - at(base)) > 1e-3
    with pytest.raises(castor.Error):
        castor.simulate("ntp-ca", "Discharge at 5 mA/g until 1.5 V", overrides={"cathode.no_such_key": 1})
    with pytest.raises(castor.Error):
        castor.simulate("no-such-preset", "Rest for 1 minute")
    with pytest.raises(castor.Error):
        castor.simulate("ntp-ca", "Dance for 3 minutes")


def test_simulate_many_in_threads_equals_one_by_one():
    protocol = "Discharge at 20 mA/g until 1.6 V"
    sets = ["ntp-ca", {"cathode.k0_A_m2": 1e-3}, {"cathode.k0_A_m2": 10.0}]
    many = castor.simulate_many(sets, protocol, threads=2)
    assert len(many) == 3
    one = [castor.simulate("ntp-ca", protocol)] + [castor.simulate("ntp-ca", protocol, overrides=o) for o in sets[1:]]
    for m, o in zip(many, one):
        assert m.solver_steps == o.solver_steps
        assert m.ledger["passed_C"] == o.ledger["passed_C"]  # the same computation, bit for bit
        assert m.work["newton_iterations"] >= m.solver_steps
    assert many[1].ledger["passed_C"] != many[2].ledger["passed_C"]
    with pytest.raises(castor.Error, match="no_such_key"):
        castor.simulate_many([{"cathode.no_such_key": 1.0}], protocol)
    with pytest.raises(castor.Error):
        castor.simulate_many(["ntp-ca"], protocol, threads=-1)
