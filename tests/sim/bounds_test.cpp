// The simulator never leaves physics silently (issue 16, item 1): the issue's protocols
// either finish with fillings in (0, 1), their cut-offs reached and the charge ledger
// balanced, or stop with an error that says why; nonsense protocols and parameters are
// refused before solving, naming the step or the parameter file's key.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/cycling.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"
#include "test_data.h"

namespace sim = castor::sim;
namespace col = castor::col;

namespace {

std::string error_of(const std::string& protocol, const sim::CellParameters& p = sim::preset("ntp-ca")) {
  try {
    (void)sim::simulate(p, sim::parse_protocol(protocol));
  } catch (const castor::Error& e) {
    return e.what();
  }
  return "no error";
}

// Fillings inside (0, 1), the ledger balanced, and the last row of each limited step at its
// cut-off.
void expect_physical(const sim::SimulationResult& r, const std::string& what) {
  const auto& f = r.table.find("filling")->values;
  EXPECT_GT(*std::min_element(f.begin(), f.end()), 0.0) << what;
  EXPECT_LT(*std::max_element(f.begin(), f.end()), 1.0) << what;
  EXPECT_LT(std::fabs(r.ledger.imbalance), 1e-9) << what;
  EXPECT_LT(std::fabs(r.ledger.fillings_imbalance), 1e-4) << what;
}

double last_voltage_of_step(const sim::SimulationResult& r, int step) {
  const auto& v = r.table.values(col::voltage_V);
  const auto& s = r.table.values(col::step);
  double last = std::nan("");
  for (std::size_t i = 0; i < v.size(); ++i)
    if (static_cast<int>(s[i]) == step) last = v[i];
  return last;
}

}  // namespace

TEST(SimulatorBounds, IssueProtocolsFinishPhysically) {
  const auto p = sim::preset("ntp-ca");
  // CC-CV charge: the charge reaches 2.6 V (the last volts charge the double layer of an
  // emptied cathode), so the hold starts below its current limit and ends at once.
  const auto cccv = sim::simulate(p, sim::parse_protocol("Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V; "
                                                         "Hold at 2.6 V until 1 mA/g"));
  expect_physical(cccv, "CC-CV");
  EXPECT_NEAR(last_voltage_of_step(cccv, 1), 1.5, 1e-6);
  EXPECT_NEAR(last_voltage_of_step(cccv, 2), 2.6, 1e-6);
  const auto& i = cccv.table.values(col::current_A);
  EXPECT_LE(std::fabs(i.back()), 1e-3 * p.mass_g);
  EXPECT_LT(cccv.table.values(col::time_s).back(), 30 * 86400.0);  // not 31 simulated years
  // Charge, rest, charge again: the second charge starts at the limit (or reaches it again).
  const auto crc = sim::simulate(p, sim::parse_protocol("Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V; "
                                                        "Rest for 10 minutes; Charge at 5 mA/g until 2.6 V"));
  expect_physical(crc, "charge-rest-charge");
  EXPECT_NEAR(last_voltage_of_step(crc, 4), 2.6, 1e-6);
  // CV with the side reaction on, and discharges at 1 and 500 mA/g: cut-offs reached.
  const auto cv = sim::simulate(p, sim::parse_protocol("Sweep from 1.9 V to 1.5 V at 0.1 mV/s; Sweep from 1.5 V to 2.6 V at 0.1 mV/s"));
  expect_physical(cv, "CV");
  for (const char* rate : {"1", "500"}) {
    const auto d = sim::simulate(p, sim::parse_protocol(std::string("Discharge at ") + rate + " mA/g until 1.5 V"));
    expect_physical(d, std::string("discharge at ") + rate + " mA/g");
    EXPECT_NEAR(last_voltage_of_step(d, 1), 1.5, 1e-6) << rate << " mA/g";
  }
}

TEST(SimulatorBounds, CurrentsTheCathodeCannotTakeAreNamedErrors) {
  // A GITT charge titration longer than the charge the cathode holds.
  const std::string gitt = error_of("Discharge at 5 mA/g until 1.5 V; (Charge at 5 mA/g for 30 minutes; Rest for 2 hours) x 30");
  EXPECT_NE(gitt.find("the cathode is empty"), std::string::npos) << gitt;
  EXPECT_NE(gitt.find("step "), std::string::npos) << gitt;
  // A charge of the empty cathode for an hour at 1 C.
  EXPECT_NE(error_of("Charge at 1 C for 1 hour").find("the cathode is empty"), std::string::npos);
  // A discharge without a reachable cut-off: ends after its bound with the reason.
  auto p = sim::preset("ntp-ca");
  p.side_passivation_mAh_g = 0;  // a side reaction that never passivates takes the current for ever
  const std::string never = error_of("Discharge at 5 mA/g until 1.5 V", p);
  EXPECT_NE(never.find("did not reach its limit"), std::string::npos) << never;
  EXPECT_NE(never.find("the side reaction takes"), std::string::npos) << never;
}

TEST(SimulatorBounds, NonsenseProtocolsAreRefused) {
  auto refused = [](const std::string& text, const std::string& why) {
    try {
      (void)sim::parse_protocol(text);
    } catch (const castor::Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << text << ": " << e.what();
      return;
    }
    ADD_FAILURE() << text << " was accepted";
  };
  refused("Rest for inf minutes", "duration");
  refused("Rest for 1e300 minutes", "duration");
  refused("Rest for -5 minutes", "duration");
  refused("Discharge at -5 mA/g until 1.5 V", "positive");
  refused("Charge at inf mA/g for 1 hour", "positive");
  refused("Discharge at 5 mA/g until 1e9 V", "outside");
  refused("Impedance from 1 MHz to 10 mHz at 5 mV, 1000000 per decade", "per decade");
  refused("Impedance from 1 MHz to 1 MHz at 5 mV", "frequency range");
  refused("Sweep from 1.5 V to 1.5 V at 1 mV/s", "same potential");
  refused("(Charge at 1 C for 1 hour) x 1000000", "repeat count");
  std::string many;
  for (int k = 0; k < 200000; ++k) many += "Rest for 1 s\n";
  const auto t0 = std::chrono::steady_clock::now();
  refused(many, "more than");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
}

TEST(SimulatorBounds, NonsenseParametersNameTheKey) {
  auto refused = [](const std::string& toml, const std::string& key) {
    try {
      (void)sim::parse_parameters("preset = 'ntp-ca'\n" + toml, "cell.toml");
    } catch (const castor::Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("cell.toml"), std::string::npos) << m;
      EXPECT_NE(m.find(key), std::string::npos) << toml << ": " << m;
      return;
    }
    ADD_FAILURE() << toml << " was accepted";
  };
  refused("[cathode]\nomega_kT = -inf\n", "omega_kT");
  refused("[cathode]\nomega_kT = 100\n", "omega_kT");
  refused("[cathode]\ndensity_g_cm3 = 0\n", "density_g_cm3");
  refused("[cathode]\nmass_mg = inf\n", "mass_mg");
  refused("[cathode]\ndouble_layer_uF_cm2 = -1\n", "double_layer_uF_cm2");
  refused("[cathode]\nvolumes = 100000\nmodel = 'diffusion'\n", "volumes");
  refused("[particles]\nradii_nm = [inf]\n", "radii_nm");
  refused("[particles]\nradius_nm = 15\nsigma_log = 0.3\ncount = 1000000\n", "count");
  refused("[anode]\nalpha = 1.5\n", "anode.alpha");
  refused("[cell]\ntemperature_K = -3\n", "temperature_K");
  refused("[ageing]\nside_tafel_mV = 0\n", "side_tafel_mV");
  // Parameters built in code are checked by simulate() the same way.
  auto p = sim::preset("ntp-ca");
  p.density_g_cm3 = 0;
  EXPECT_NE(error_of("Rest for 1 s", p).find("density_g_cm3"), std::string::npos);
}

// The command line: a refused parameter or protocol is exit status 2 with the message; the
// ledger is printed.
TEST(SimulatorBounds, CommandLine) {
  const auto dir = castor::test::scratch_dir("sim_bounds_cli");
  auto run = [&](const std::string& args) {
    const int rc = std::system((std::string(CASTOR_CLI) + " simulate " + args + " > " + (dir / "out.txt").string() + " 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run("ntp-ca --quiet --protocol 'Charge at 1 C for 1 hour'"), 2);
  EXPECT_EQ(run("ntp-ca --quiet --protocol 'Rest for inf minutes'"), 2);
  EXPECT_EQ(run("ntp-ca --quiet --groups 12 --rtol 1e-6 --protocol 'Discharge at 5 mA/g until 1.6 V'"), 0);
  EXPECT_EQ(run("ntp-ca --quiet --volumes 5 --protocol 'Rest for 1 s'"), 2);  // homogeneous particles have no volumes
  EXPECT_EQ(run("ntp-ca --quiet --rtol 1 --protocol 'Rest for 1 s'"), 2);
  EXPECT_EQ(run("ntp-ca --quiet --protocol 'Discharge at 5 mA/g until 1.5 V'"), 0);
  std::ifstream in(dir / "out.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("charge ledger"), std::string::npos) << text;
}

// The anode is a symmetric Butler-Volmer (alpha 0.5) with a plating barrier: the preset's
// counter-electrode potentials at 5 mA/g, and its solve converges at any current (not an
// unconverged -5 V; issue 16, item 3).
TEST(SimulatorBounds, AnodeHasAPhysicalAlphaAndAPlatingBarrier) {
  const auto p = sim::preset("ntp-ca");
  EXPECT_DOUBLE_EQ(p.anode_alpha, 0.5);
  const double i = 5e-3 * p.mass_g;
  EXPECT_NEAR(sim::anode_overpotential_V(p, i), 0.01, 0.002);    // stripping
  EXPECT_NEAR(sim::anode_overpotential_V(p, -i), -0.18, 0.002);  // plating
  // Converged at any current (Butler-Volmer is unbounded): monotone, and at 1 A the Tafel
  // slope 2 kT/e ln(i/k0) plus the barrier.
  const double big = sim::anode_overpotential_V(p, -1.0);
  EXPECT_LT(big, sim::anode_overpotential_V(p, -i));
  const double tafel = 2 * p.kT_eV() / p.ion_charge * std::log(1.0 / p.anode_area_m2 / p.anode_k0_A_m2);
  EXPECT_NEAR(big, -tafel - 0.17, 1e-6);
}

// Temperature enters the rates by Arrhenius laws: at 55 C charge transfer is faster, so the
// three-electrode hysteresis is smaller than at 25 C (with kT alone it grew), and the side
// reaction takes more charge on the first discharge (the paper's Fig. S6 trend).
TEST(SimulatorBounds, ArrheniusRatesMakeAWarmCellLessPolarised) {
  auto p = sim::preset("ntp-ca");
  EXPECT_NEAR(p.arrhenius(40), 1.0, 1e-15);
  p.temperature_K = 328.15;
  EXPECT_NEAR(p.arrhenius(40), std::exp(-40e3 / 8.314462618 * (1 / 328.15 - 1 / 298.15)), 1e-12);
  auto hysteresis_and_side = [](const sim::CellParameters& c) {
    const auto r = sim::simulate(c, sim::parse_protocol("Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V"));
    castor::cycling::CyclingOptions o;
    o.mass = castor::cycling::ActiveMass::given_mg(c.mass_g * 1e3);
    const auto a = castor::cycling::analyse_cycling(r.table, o);
    return std::pair<double, double>{a.cycles.at(0).hysteresis.value().value_V, r.ledger.side_C};
  };
  const auto cold = hysteresis_and_side(sim::preset("ntp-ca"));
  const auto warm = hysteresis_and_side(p);
  EXPECT_LT(warm.first, cold.first);
  EXPECT_LT(warm.second, cold.second);  // more (negative) side charge
}

// Trapping takes Ca-rich material: after a discharge that fills the cathode, the share cut
// off keeps its ions, so the charge gives back that much less, and the ledger counts it
// (issue 16, item 3: before, trapping took Ca-free material after each charge).
TEST(SimulatorBounds, TrappingTakesCaRichMaterialAfterDischarge) {
  auto p = sim::preset("ntp-ca");
  p.activation_per_cycle = 0;
  p.trapping_per_cycle = 0.01;
  p.side_i0_A_g = 0;
  p.double_layer_F_m2 = 0;
  p.active_fraction = 0.5;
  const auto r = sim::simulate(p, sim::parse_protocol("Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V"));
  const double q_trap = 0.01 * p.mass_g * p.capacity_mAh_g * 3.6;  // the share, full of Ca
  EXPECT_NEAR(r.ledger.trapped_C, q_trap, 0.01 * q_trap);
  EXPECT_LT(std::fabs(r.ledger.fillings_imbalance), 1e-4);
  // Net charge = the trapped ions less those the cathode held at the start (filling 0.005);
  // the charge empties what stayed active.
  const double q_start = p.initial_filling * p.active_fraction * p.mass_g * p.capacity_mAh_g * 3.6;
  EXPECT_NEAR(r.ledger.insertion_C, -r.ledger.trapped_C + q_start, 0.01 * q_trap);
}

// Presets are data files (issue 16, item 4): the built-in ntp-ca is data/presets/ntp-ca.toml,
// so loading the file gives the same cell; omega_kT is read at the file's own temperature.
TEST(SimulatorBounds, PresetIsTheDataFile) {
  const auto built_in = sim::preset("ntp-ca");
  const auto file = sim::load_parameters(std::filesystem::path(CASTOR_SOURCE_DIR) / "data/presets/ntp-ca.toml");
  EXPECT_DOUBLE_EQ(file.mass_g, built_in.mass_g);
  EXPECT_DOUBLE_EQ(file.k0_A_m2, built_in.k0_A_m2);
  EXPECT_DOUBLE_EQ(file.active_fraction, built_in.active_fraction);
  EXPECT_DOUBLE_EQ(file.side_passivation_mAh_g, built_in.side_passivation_mAh_g);
  EXPECT_EQ(file.particles.size(), built_in.particles.size());
  EXPECT_EQ(built_in.name, "ntp-ca");
  EXPECT_NEAR(built_in.mass_g, 1.21e-3 * 1.13, 1e-12);
  const auto warm = sim::parse_parameters("preset = 'ntp-ca'\n[cell]\ntemperature_K = 350\n[cathode]\nomega_kT = 3\n", "warm.toml");
  EXPECT_NEAR(warm.omega_eV, 3 * 8.617333262e-5 * 350, 1e-12);
  EXPECT_THROW((void)sim::preset("no-such-cell"), castor::Error);
}

// Cut-offs on the two-electrode cell voltage as well as on the working electrode (issue 16,
// item 2): "until 1.5 V cell" ends where the cell voltage (working electrode minus the
// anode's overpotential) reaches 1.5 V.
TEST(SimulatorBounds, CellVoltageCutOffs) {
  const auto r = sim::simulate(sim::preset("ntp-ca"), sim::parse_protocol("Discharge at 5 mA/g until 1.5 V cell; "
                                                                          "Charge at 5 mA/g until 2.6 V cell"));
  const auto& cell = r.table.values("cell_voltage_V");
  const auto& we = r.table.values(col::voltage_V);
  const auto& step = r.table.values(col::step);
  double cell1 = 0, we1 = 0, cell2 = 0, we2 = 0;
  for (std::size_t i = 0; i < step.size(); ++i) {
    if (step[i] == 1) cell1 = cell[i], we1 = we[i];
    if (step[i] == 2) cell2 = cell[i], we2 = we[i];
  }
  EXPECT_NEAR(cell1, 1.5, 1e-6);
  EXPECT_NEAR(we1, 1.51, 0.002);  // stripping Ca at +0.01 V
  EXPECT_NEAR(cell2, 2.6, 1e-6);
  EXPECT_NEAR(we2, 2.42, 0.002);  // plating Ca at -0.18 V
  EXPECT_THROW((void)sim::parse_protocol("Hold at 2.6 V until 2.0 V"), castor::Error);
}

// A capacitive (activated-carbon) counter electrode, as in the paper's Na half-cells (issue
// 16, item 3): its potential falls by Q / C as the cathode charges, and a cell-voltage
// cut-off sees it; the working electrode's own curve does not change.
TEST(SimulatorBounds, CapacitiveCounterElectrode) {
  auto p = sim::preset("ntp-ca");
  const std::string protocol = "Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g for 2 hours";
  const auto metal = sim::simulate(p, sim::parse_protocol(protocol));
  auto c =
      sim::parse_parameters("preset = 'ntp-ca'\n[anode]\nkind = 'capacitor'\ncapacitance_F = 2\ninitial_potential_V = 3.0\n", "ac.toml");
  EXPECT_TRUE(c.counter_is_capacitor);
  const auto ac = sim::simulate(c, sim::parse_protocol(protocol));
  const auto& ce = ac.table.values(col::counter_voltage_V);
  EXPECT_NEAR(ce.front(), 3.0, 1e-9);
  EXPECT_NEAR(ce.back(), 3.0 - ac.charge_passed_C / 2.0, 1e-6);
  EXPECT_NEAR(ac.table.values(col::voltage_V).back(), metal.table.values(col::voltage_V).back(), 1e-6);
  // Cell-voltage cut-off against the capacitor: ends where WE - CE = -1.4 V.
  const auto cut = sim::simulate(c, sim::parse_protocol("Discharge at 5 mA/g until -1.4 V cell"));
  EXPECT_NEAR(cut.table.values("cell_voltage_V").back(), -1.4, 1e-6);
  EXPECT_THROW((void)sim::parse_parameters("preset = 'ntp-ca'\n[anode]\nkind = 'capacitor'\n", "ac.toml"), castor::Error);
  EXPECT_THROW((void)sim::parse_parameters("preset = 'ntp-ca'\n[anode]\nkind = 'sodium'\n", "ac.toml"), castor::Error);
}
