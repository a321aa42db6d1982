// Cycling analyses (analyses.md sections 2-3): a synthetic two-plateau run with known
// peak voltages, hysteresis and flatness through the whole chain, and real files:
// navani's NaCoO2 .mpr (navani cycle_summary means [asserted]), cellpy's BTSDA CSV
// (vendor dQ/dV), NewareNDA's rate test, yadg's three-electrode GCPL.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <map>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/cycling.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::StepKind;
using castor::test::data_file;
namespace col = castor::col;
namespace cy = castor::cycling;

namespace {

// A two-plateau insertion electrode: Q(V) = Q1 s((V - V1)/w) + Q2 s((V - V2)/w) with the
// logistic s, so dQ/dV peaks at V1 and V2 exactly. Charge plateaus sit `hys` above the
// discharge ones.
struct TwoPlateau {
  double v1 = 1.87, v2 = 2.10, w = 0.008, q1 = 0.6, q2 = 0.4;  // mAh
  double lo = 1.5, hi = 2.6;
  double q_of_v(double v, double shift) const {
    auto s = [](double x) { return 1 / (1 + std::exp(-x)); };
    return q1 * s((v - v1 - shift) / w) + q2 * s((v - v2 - shift) / w);
  }
  double v_of_q(double q, double shift) const {  // bisection
    double a = lo, b = hi;
    for (int k = 0; k < 200; ++k) {
      const double m = 0.5 * (a + b);
      (q_of_v(m, shift) < q ? a : b) = m;
    }
    return 0.5 * (a + b);
  }
};

// Discharge along `discharge`'s curve, charge along `charge`'s (the same cell when they are
// equal; two couples whose heights swap between the directions when they are not).
castor::Table synthetic_run(const TwoPlateau& charge, const TwoPlateau& discharge, double hys, int cycles, double current_A) {
  const TwoPlateau& p = charge;
  std::vector<double> t, v, i, cyc, step;
  double time = 0;
  auto add = [&](double tt, double vv, double ii, int c, int s) {
    t.push_back(tt), v.push_back(vv), i.push_back(ii), cyc.push_back(c), step.push_back(s);
  };
  const double qmin = p.q_of_v(p.lo, 0), qmax = p.q_of_v(p.hi, 0);
  const int n = 4000;
  for (int c = 1; c <= cycles; ++c) {
    // Discharge first (a cathode taking up ions), then charge, rest between.
    for (int k = 0; k < 10; ++k) add(time += 1, p.hi, 0, c, 1);
    const double dq = (qmax - qmin) / n;
    for (int k = 0; k <= n; ++k) {
      const double q = qmax - k * dq;  // state of the electrode falls during discharge
      add(time, discharge.v_of_q(q, -hys / 2), -current_A, c, 2);
      time += dq / (current_A * 1e3) * 3600;
    }
    for (int k = 0; k < 10; ++k) add(time += 1, p.lo, 0, c, 3);
    for (int k = 0; k <= n; ++k) {
      const double q = qmin + k * dq;
      add(time, charge.v_of_q(q, hys / 2), current_A, c, 4);
      time += dq / (current_A * 1e3) * 3600;
    }
  }
  castor::Table tab;
  tab.meta.source_file = "synthetic";
  tab.add(col::time_s, "s", "", castor::ColumnRole::Common, t);
  tab.add(col::voltage_V, "V", "", castor::ColumnRole::Common, v);
  tab.add(col::current_A, "A", "", castor::ColumnRole::Common, i);
  tab.add(col::cycle, "", "", castor::ColumnRole::Common, cyc);
  tab.add(col::step, "", "", castor::ColumnRole::Common, step);
  return tab;
}

castor::Table synthetic_run(const TwoPlateau& p, double hys, int cycles, double current_A, double mass_g) {
  (void)mass_g;
  return synthetic_run(p, p, hys, cycles, current_A);
}

}  // namespace

TEST(CyclingSynthetic, RecoversPeaksHysteresisFlatnessAndCapacity) {
  const TwoPlateau p;
  const double hys = 0.04, mass_g = 7.5e-3, current = 1e-4;
  const castor::Table t = synthetic_run(p, hys, 2, current, mass_g);
  cy::CyclingOptions o;
  o.mass = cy::ActiveMass::given_mg(mass_g * 1e3);
  const auto r = cy::analyse_cycling(t, o);
  ASSERT_EQ(r.cycles.size(), 2u);
  EXPECT_EQ(r.first_direction, castor::Direction::discharge);
  const double qtot = p.q_of_v(p.hi, 0) - p.q_of_v(p.lo, 0);
  for (const auto& c : r.cycles) {
    EXPECT_NEAR(c.discharge_mAh, qtot, 1e-9);
    EXPECT_NEAR(c.charge_mAh, qtot, 1e-9);
    EXPECT_NEAR(c.coulombic_efficiency, 1.0, 1e-9);
    ASSERT_TRUE(c.hysteresis.has_value()) << c.hysteresis_note;
    EXPECT_EQ(c.hysteresis->method, cy::HysteresisMethod::dqdv_peaks);
    // Main peak = the larger plateau at v1; charge at v1 + hys/2, discharge at v1 - hys/2.
    EXPECT_NEAR(c.hysteresis->charge_V, p.v1 + hys / 2, 2e-4);
    EXPECT_NEAR(c.hysteresis->discharge_V, p.v1 - hys / 2, 2e-4);
    EXPECT_NEAR(c.hysteresis->value_V, hys, 2e-4);
  }
  // dQ/dV of the charge: both plateaus found, at the stated voltages, stable when the grid
  // step is halved (tolerance 0.5 mV).
  const auto& charge_step = r.steps[r.half_cycles[1].main_step].step;
  cy::DqdvOptions d;
  const auto c1 = cy::dqdv_of_step(t, charge_step, d, mass_g);
  ASSERT_GE(c1.peaks.size(), 2u);
  EXPECT_NEAR(c1.peaks[0].voltage_V, p.v1 + hys / 2, 2e-4);
  EXPECT_NEAR(c1.peaks[1].voltage_V, p.v2 + hys / 2, 2e-4);
  EXPECT_EQ(c1.capacity_unit, "mAh/g");
  // Peak height: q1 / (4 w) in mAh/V, per gram; a 20 mV window flattens it by a few %.
  EXPECT_NEAR(c1.peaks[0].height, p.q1 / (4 * p.w) / mass_g, 0.1 * p.q1 / (4 * p.w) / mass_g);
  for (auto s : {cy::Smoothing::savitzky_golay, cy::Smoothing::smoothing_spline, cy::Smoothing::none}) {
    d.smoothing = s;
    d.grid_step_V = 0.001;
    const auto a = cy::dqdv_of_step(t, charge_step, d);
    d.grid_step_V = 0.0005;
    const auto b = cy::dqdv_of_step(t, charge_step, d);
    ASSERT_FALSE(a.peaks.empty());
    ASSERT_FALSE(b.peaks.empty());
    EXPECT_NEAR(a.peaks[0].voltage_V, b.peaks[0].voltage_V, 5e-4) << to_string(s);
    EXPECT_NEAR(a.peaks[0].voltage_V, p.v1 + hys / 2, 1e-3) << to_string(s);
  }
  // Flatness over SOC 20-80 %: exact from the inverse of Q(V).
  const auto& h = r.half_cycles[1];
  ASSERT_TRUE(h.flatness.has_value()) << h.flatness_note;
  const double q0 = p.q_of_v(p.lo, 0);
  const double v20 = p.v_of_q(q0 + 0.2 * qtot, hys / 2), v80 = p.v_of_q(q0 + 0.8 * qtot, hys / 2);
  EXPECT_NEAR(h.flatness->voltage_low_soc_V, v20, 1e-5);
  EXPECT_NEAR(h.flatness->voltage_high_soc_V, v80, 1e-5);
  const double expected = (v80 - v20) * 1e3 / (0.6 * qtot / mass_g);
  EXPECT_NEAR(h.flatness->endpoint_mV_per, expected, 1e-3 * expected);
  EXPECT_EQ(h.flatness->unit, "mV per mAh/g");
  // The cycle's flatness is the mean of discharge and charge (equal here by symmetry).
  EXPECT_NEAR(r.cycles[0].flatness_mean, expected, 2e-3 * expected);
  // SOC-50 % fallback: voltages at half capacity.
  o.hysteresis_soc50 = true;
  const auto r50 = cy::analyse_cycling(t, o);
  const double vc50 = p.v_of_q(q0 + 0.5 * qtot, hys / 2), vd50 = p.v_of_q(q0 + 0.5 * qtot, -hys / 2);
  EXPECT_EQ(r50.cycles[0].hysteresis->method, cy::HysteresisMethod::soc50);
  EXPECT_NEAR(r50.cycles[0].hysteresis->value_V, vc50 - vd50, 1e-5);
  // Rates: one current, both directions.
  ASSERT_EQ(r.rates.size(), 2u);
  EXPECT_NEAR(r.rates[0].current_mA, current * 1e3, 1e-9);
}

TEST(CyclingSynthetic, StepsFromCurrentAloneMatchFileSteps) {
  const TwoPlateau p;
  castor::Table t = synthetic_run(p, 0.04, 2, 1e-4, 1e-3);
  cy::SegmentOptions by_current;
  by_current.use_file_columns = false;
  const auto a = cy::find_steps(t, by_current);
  const auto b = cy::find_steps(t);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_EQ(a.size(), 8u);
  for (std::size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].kind, b[k].kind) << k;
    // The current-only split can differ by the one row where the current switches.
    EXPECT_LE(std::abs(static_cast<long>(a[k].begin) - static_cast<long>(b[k].begin)), 1) << k;
  }
  EXPECT_EQ(b[0].kind, StepKind::rest);
  EXPECT_EQ(b[1].kind, StepKind::cc_discharge);
  EXPECT_EQ(b[3].kind, StepKind::cc_charge);
}

TEST(CyclingErrors, ClearReasons) {
  const TwoPlateau p;
  const castor::Table t = synthetic_run(p, 0.04, 1, 1e-4, 1e-3);
  const auto steps = cy::find_steps(t);
  EXPECT_THROW((void)cy::dqdv_of_step(t, steps[0], {}), castor::Error);  // a rest
  cy::DqdvOptions wide;
  wide.window_V = 5.0;  // wider than the step's voltage range
  try {
    (void)cy::dqdv_of_step(t, steps[1], wide);
    FAIL();
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("window"), std::string::npos) << e.what();
  }
  castor::Table empty;
  empty.meta.source_file = "x.csv";
  EXPECT_THROW((void)cy::analyse_cycling(empty), castor::Error);
  EXPECT_THROW((void)cy::ActiveMass::given_mg(-1), castor::Error);
  EXPECT_THROW((void)cy::ActiveMass::from_electrode(2, {1.5}), castor::Error);
}

TEST(ActiveMass, PaperRecipe) {
  // 78 wt% composite x 80 wt% NTP of a 1.94 mg coating; 1.21 mg/cm2 over 1.13 cm2.
  EXPECT_NEAR(cy::ActiveMass::from_electrode(1.94, {0.78, 0.80}).grams, 1.94e-3 * 0.624, 1e-15);
  EXPECT_NEAR(cy::ActiveMass::from_loading(1.21, 1.13).grams, 1.3673e-3, 1e-12);
}

// navani tests/test_echem.py::test_mpr_reader [asserted, decimal=5]: cycle_summary means of
// the NaCoO2 run: Charge Capacity 0.9535533, Discharge Capacity 0.7778788 (mAh), average
// discharge voltage 2.7871832 V, average charge voltage 2.97389223 V.
TEST(CyclingReal, NavaniNaCoO2CycleSummary) {
  const castor::Table t = castor::io::read_table(data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"));
  const auto r = cy::analyse_cycling(t);
  double qc = 0, qd = 0, vc = 0, vd = 0;
  int nc = 0, nd = 0;
  for (const auto& h : r.half_cycles) {
    if (h.direction == castor::Direction::charge)
      qc += h.capacity_mAh, vc += h.average_voltage_V, ++nc;
    else
      qd += h.capacity_mAh, vd += h.average_voltage_V, ++nd;
  }
  ASSERT_EQ(nc, 6);
  ASSERT_EQ(nd, 7);
  EXPECT_NEAR(qc / nc, 0.9535533, 1.5e-5);
  EXPECT_NEAR(qd / nd, 0.7778788, 1.5e-5);
  EXPECT_NEAR(vd / nd, 2.7871832, 1.5e-5);
  EXPECT_NEAR(vc / nc, 2.97389223, 1.5e-5);
  EXPECT_EQ(r.first_direction, castor::Direction::discharge);
  // dQ/dV peaks of cycle 2 do not move by more than 0.5 mV when the grid step is halved.
  const auto& c2 = r.cycles[1];
  for (auto idx : {c2.first, c2.second}) {
    const auto& step = r.steps[r.half_cycles[*idx].main_step].step;
    cy::DqdvOptions d;
    const auto a = cy::dqdv_of_step(t, step, d);
    d.grid_step_V = 0.0005;
    const auto b = cy::dqdv_of_step(t, step, d);
    ASSERT_GE(a.peaks.size(), 3u);
    for (std::size_t k = 0; k < 3; ++k) {
      double nearest = 1e9;
      for (const auto& pk : b.peaks) nearest = std::min(nearest, std::fabs(pk.voltage_V - a.peaks[k].voltage_V));
      EXPECT_LT(nearest, 5e-4) << "peak " << a.peaks[k].voltage_V;
    }
  }
}

// cellpy's BTSDA CSV: castor's integrated capacity equals the vendor's per-step capacity,
// and its dQ/dV main peak sits in the vendor dQ/dV column's tallest 20 mV bin.
TEST(CyclingReal, NewareCsvAgainstVendorColumns) {
  const castor::Table t = castor::io::read_table(data_file("cycler/cellpy/neware_uio.csv"));
  const auto r = cy::analyse_cycling(t);
  ASSERT_TRUE(r.mass.has_value());
  const auto& vendor_q = t.values("Capacity(Ah)");
  for (const auto& s : r.steps) {
    if (s.step.kind == StepKind::rest) continue;
    const double vendor_mAh = vendor_q[s.step.end - 1] * 1e3;
    EXPECT_NEAR(s.charge.capacity_mAh, vendor_mAh, 0.005 * vendor_mAh + 2e-4) << "step " << s.step.index;
  }
  const auto& vendor_dqdv = t.values("dQ/dV(mAh/V)");
  const auto& v = t.values(col::voltage_V);
  for (int cycle : {2, 3}) {
    for (auto idx : {r.cycles[static_cast<std::size_t>(cycle - 1)].first, r.cycles[static_cast<std::size_t>(cycle - 1)].second}) {
      const auto& step = r.steps[r.half_cycles[*idx].main_step].step;
      std::map<long, std::pair<double, int>> bins;
      for (std::size_t i = step.begin; i < step.end; ++i) {
        auto& b = bins[std::lround(v[i] / 0.02)];
        b.first += std::fabs(vendor_dqdv[i]), ++b.second;
      }
      long best = 0;
      double best_mean = -1;
      for (const auto& [k, b] : bins)
        if (b.second > 3 && b.first / b.second > best_mean) best = k, best_mean = b.first / b.second;
      const auto curve = cy::dqdv_of_step(t, step, {});
      ASSERT_FALSE(curve.peaks.empty());
      EXPECT_NEAR(curve.peaks.front().voltage_V, best * 0.02, 0.015) << "cycle " << cycle;
      EXPECT_NEAR(curve.peaks.front().height, best_mean, 0.25 * best_mean) << "cycle " << cycle;
    }
  }
}

// NewareNDA test_2.ndax (SOURCES.md §5): discharge at 0.079, 0.158, 0.317, 0.528, 0.792,
// 1.584, 3.168 mA; capacity falls as the current rises.
TEST(CyclingReal, RateTableOfNewareRateTest) {
  const castor::Table t = castor::io::read_table(data_file("cycler/NewareNDA/test_2.ndax"));
  const auto r = cy::analyse_cycling(t);
  std::vector<const cy::RateRow*> discharge;
  for (const auto& rate : r.rates)
    if (rate.direction == castor::Direction::discharge) discharge.push_back(&rate);
  const std::vector<double> expected = {0.079, 0.158, 0.317, 0.528, 0.792, 1.584, 3.168};
  ASSERT_EQ(discharge.size(), expected.size());
  std::sort(discharge.begin(), discharge.end(), [](auto* a, auto* b) { return a->current_mA < b->current_mA; });
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_NEAR(discharge[k]->current_mA, expected[k], 0.01 * expected[k]);
    if (k > 1) {
      EXPECT_LT(discharge[k]->mean_capacity_mAh, discharge[k - 1]->mean_capacity_mAh) << k;
    }
  }
  EXPECT_EQ(r.cycles.size(), 54u);
}

// yadg gcpl.issue_211 records Ece: the two-electrode voltage is Ewe - Ece, and capacity-
// weighted averages obey V_cell = V_we - V_ce exactly.
TEST(CyclingReal, ThreeElectrodeCellVoltage) {
  for (const char* f : {"cycler/yadg/gcpl.issue_211.mpr", "cycler/yadg/mb.issue_218.mpr"}) {
    const castor::Table tf = castor::io::read_table(data_file(f));
    const castor::Table cf = cy::with_cell_voltage(tf);
    const auto rf = cy::analyse_cycling(tf);
    ASSERT_FALSE(rf.half_cycles.empty()) << f;
    const auto& st = rf.steps[rf.half_cycles[0].main_step].step;
    const auto w = cy::step_charge(tf, st, "voltage_V");
    const auto c = cy::step_charge(tf, st, "counter_voltage_V");
    const auto two_el = cy::step_charge(cf, st, "cell_voltage_V");
    EXPECT_NEAR(two_el.average_voltage_V, w.average_voltage_V - c.average_voltage_V, 1e-9) << f;
    EXPECT_NEAR(two_el.capacity_mAh, w.capacity_mAh, 1e-12) << f;
  }
  const castor::Table t = castor::io::read_table(data_file("cycler/yadg/gcpl.issue_211.mpr"));
  const castor::Table cell = cy::with_cell_voltage(t);
  const auto r = cy::analyse_cycling(t);
  const auto& s = r.steps[r.half_cycles[1].main_step].step;
  const auto ce = cy::step_charge(t, s, "counter_voltage_V");
  EXPECT_GT(std::fabs(ce.average_voltage_V), 1e-3);  // the counter electrode does move
  // Hysteresis of both voltages is defined; they differ by the counter's contribution.
  const auto& ch = r.steps[r.half_cycles[r.half_cycles[0].direction == castor::Direction::charge ? 0 : 1].main_step].step;
  const auto& dis = r.steps[r.half_cycles[r.half_cycles[0].direction == castor::Direction::charge ? 1 : 0].main_step].step;
  const auto h3 = cy::hysteresis(t, ch, dis, {}, true);
  const auto h2 = cy::hysteresis(cell, ch, dis, {}, true, "cell_voltage_V");
  EXPECT_NE(h3.value_V, h2.value_V);
  // A file without Ece cannot give a cell voltage.
  EXPECT_THROW(
      (void)cy::with_cell_voltage(castor::io::read_table(data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"))),
      castor::Error);
}

// paper.md: dQ/dV maxima 1.87 V (discharge) and 1.91 V (charge) against the reference, the
// counter electrode at +0.01 V on discharge and -0.18 V on charge, hence 1.86 / 2.09 V and
// a hysteresis of 0.23 V between working and counter electrode (two-electrode).
TEST(CyclingSynthetic, PaperThreeVersusTwoElectrode) {
  TwoPlateau p;
  p.v1 = 1.89, p.v2 = 2.30, p.q1 = 0.7, p.q2 = 0.1;
  castor::Table t = synthetic_run(p, 0.04, 1, 1e-4, 1e-3);
  const auto& i = t.values(col::current_A);
  std::vector<double> ce(t.rows());
  for (std::size_t k = 0; k < ce.size(); ++k) ce[k] = i[k] < 0 ? 0.01 : i[k] > 0 ? -0.18 : 0.0;
  t.add(col::counter_voltage_V, "V", "", castor::ColumnRole::Common, ce);
  const auto r = cy::analyse_cycling(t);
  ASSERT_TRUE(r.cycles[0].hysteresis.has_value());
  EXPECT_NEAR(r.cycles[0].hysteresis->discharge_V, 1.87, 2e-4);
  EXPECT_NEAR(r.cycles[0].hysteresis->charge_V, 1.91, 2e-4);
  EXPECT_NEAR(r.cycles[0].hysteresis->value_V, 0.04, 3e-4);
  const castor::Table cell = cy::with_cell_voltage(t);
  const auto steps = cy::find_steps(cell);
  const auto h = cy::hysteresis(cell, steps[3], steps[1], {}, false, "cell_voltage_V");
  EXPECT_NEAR(h.discharge_V, 1.86, 2e-4);
  EXPECT_NEAR(h.charge_V, 2.09, 2e-4);
  EXPECT_NEAR(h.value_V, 0.23, 3e-4);
}

// The command line: tables as JSON and CSV, a figure through gnuplot, a clear error for a
// cycle that does not exist.
TEST(CyclingCli, CyclingDqdvAndPlot) {
  const auto dir = castor::test::scratch_dir("cycling_cli");
  const std::string cli = CASTOR_CLI;
  const std::string file = data_file("cycler/cellpy/neware_uio.csv").string();
  auto run = [](const std::string& cmd) { return std::system((cmd + " > /dev/null 2>&1").c_str()); };
  ASSERT_EQ(run(cli + " cycling " + file + " --formula Si --ion Li -o " + (dir / "si.json").string()), 0);
  ASSERT_EQ(run(cli + " cycling " + file + " -o " + (dir / "si.csv").string()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "si_cycles.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "si_steps.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir / "si_rates.csv"));
  ASSERT_EQ(run(cli + " dqdv " + file + " --cycle 2 -o " + (dir / "dqdv.csv").string()), 0);
  EXPECT_GT(std::filesystem::file_size(dir / "dqdv.csv"), 1000u);
  for (const char* fig : {"profile", "dqdv", "capacity"}) {
    const auto png = dir / (std::string(fig) + ".png");
    ASSERT_EQ(run(cli + " plot " + fig + " " + file + " -o " + png.string()), 0) << fig;
    const auto bytes = castor::test::file_bytes(png);
    ASSERT_GT(bytes.size(), 8u);
    EXPECT_EQ(bytes[1], 'P');
    EXPECT_EQ(bytes[2], 'N');
    EXPECT_EQ(bytes[3], 'G');
  }
  EXPECT_EQ(run(cli + " dqdv " + file + " --cycle 99"), 2 << 8);
  EXPECT_EQ(run(cli + " cycling " + file + " --mass-mg 2 --loading-mg-cm2 1"), 2 << 8);
}

// Two redox couples whose heights swap between charge and discharge (0.45/0.55 of the
// capacity on charge, 0.55/0.45 on discharge): the tallest charge peak is the upper couple,
// the tallest discharge peak the lower one. Pairing the two tallest peaks gave 0.27 V for a
// cell whose hysteresis is 0.04 V (NaCoO2's staircase did this: 0.72 V in cycles 1, 3-6,
// 0.017 V in cycle 2); the couple's own pair gives 0.04 V, flagged several-couples.
TEST(CyclingSynthetic, HysteresisPairsThePeaksOfOneCouple) {
  TwoPlateau charge, discharge;
  charge.q1 = 0.45, charge.q2 = 0.55;
  discharge.q1 = 0.55, discharge.q2 = 0.45;
  const double hys = 0.04, current = 1e-4;
  const castor::Table tab = synthetic_run(charge, discharge, hys, 1, current);
  const auto r = cy::analyse_cycling(tab, {});
  ASSERT_EQ(r.cycles.size(), 1u);
  const auto& c = r.cycles.front();
  ASSERT_TRUE(c.hysteresis.has_value()) << c.hysteresis_note;
  EXPECT_EQ(c.hysteresis->method, cy::HysteresisMethod::dqdv_peaks);
  EXPECT_NEAR(c.hysteresis->charge_V, charge.v2 + hys / 2, 2e-3);
  EXPECT_NEAR(c.hysteresis->discharge_V, discharge.v2 - hys / 2, 2e-3);
  EXPECT_NEAR(c.hysteresis->value_V, hys, 2e-3);
  EXPECT_NE(c.hysteresis->note.find("different couples"), std::string::npos) << c.hysteresis->note;
  EXPECT_NE(std::find(c.flags.begin(), c.flags.end(), "several-couples"), c.flags.end());
}

// A mass the file states but castor cannot stand behind is not used. EC-Lab writes 0.001 mg
// when none was entered; yadg's cp.mpr gave 3.3e6 mAh/g from it, navani's NaCoO2 file (7000
// mg written) 0.12 mAh/g, both printed beside a warning. Now: mAh only, and a warning that
// says the file's mass was not used. A mass the user gives is used (with the warning).
TEST(CyclingSynthetic, FileMassThatIsAPlaceholderOrImplausibleIsNotUsed) {
  TwoPlateau p;
  const double current = 1e-4;
  for (double file_mg : {0.001, 7000.0}) {
    castor::Table tab = synthetic_run(p, 0.04, 2, current, 1e-3);
    tab.meta.active_mass_g = file_mg * 1e-3;
    const auto r = cy::analyse_cycling(tab, {});
    EXPECT_FALSE(r.mass.has_value()) << file_mg;
    EXPECT_TRUE(std::isnan(r.specific(1.0)));
    EXPECT_TRUE(std::any_of(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
      return w.find("file's active mass") != std::string::npos;
    })) << file_mg;
    for (const auto& c : r.cycles) {
      EXPECT_EQ(std::find(c.flags.begin(), c.flags.end(), "implausible-specific-capacity"), c.flags.end());
    }
  }
  // A plausible file mass is used; a given one too, even a placeholder, with its warning.
  castor::Table tab = synthetic_run(p, 0.04, 2, current, 1e-3);
  const double q = cy::analyse_cycling(tab, {}).half_cycles.front().capacity_mAh;
  tab.meta.active_mass_g = q / 100;  // g: 100 mAh/g
  EXPECT_TRUE(cy::analyse_cycling(tab, {}).mass.has_value());
  cy::CyclingOptions o;
  o.mass = cy::ActiveMass::given_mg(0.001);
  const auto given = cy::analyse_cycling(tab, o);
  ASSERT_TRUE(given.mass.has_value());
  EXPECT_TRUE(std::any_of(given.warnings.begin(), given.warnings.end(),
                          [](const std::string& w) { return w.find("placeholder") != std::string::npos; }));
}
