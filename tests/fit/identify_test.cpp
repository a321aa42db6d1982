// Model identification (issue 17): closed loops (simulate with known parameters, add
// realistic noise, identify, check that the 95 % intervals cover the truth) and a case the
// data cannot separate.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "castor/core/error.h"
#include "castor/eis/spectrum.h"
#include "castor/fit/experiment.h"
#include "castor/fit/identify.h"
#include "castor/fit/parameter_file.h"
#include "castor/sim/simulate.h"
#include "test_data.h"
#include <nlohmann/json.hpp>

namespace fit = castor::fit;
namespace sim = castor::sim;

namespace {

// One 1 um Fickian particle: r^2/D = 1e4 s at D = 1e-12 cm2/s; at 50 mA/g the surface runs
// about 0.07 in filling ahead of the mean, several mV (at 20 mA/g, 500 nm and 1e-11 cm2/s
// it was 0.1 mV, and castor rightly called D not determined under 1 mV of noise).
const char* kGittCell = R"(
[cathode]
formula = "NaTi2(PO4)3"
ion = "Ca"
mass_mg = 1.0
e0_V = 1.89
omega_kT = 1.0
k0_A_m2 = 0.01
model = "diffusion"
volumes = 10
diffusivity_cm2_s = 1e-12
initial_filling = 0.05
[particles]
radius_nm = 1000
[cell]
series_resistance_ohm = 10
[anode]
k0_A_m2 = 10
)";

// One homogeneous 100 nm particle with a double layer, a solid solution (Omega 1.5 kT).
const char* kHomogeneousCell = R"(
[cathode]
formula = "NaTi2(PO4)3"
ion = "Ca"
mass_mg = 1.0
e0_V = 1.89
omega_kT = 1.5
k0_A_m2 = 0.002
double_layer_uF_cm2 = 10
initial_filling = 0.02
[particles]
radius_nm = 100
[cell]
series_resistance_ohm = 15
[anode]
k0_A_m2 = 10
)";

fit::MeasuredExperiment simulated(const fit::ParameterFile& file, const std::string& protocol) {
  const auto r = sim::simulate(file.parameters(), sim::parse_protocol(protocol));
  auto t = r.table;
  return fit::experiment_from_table(t, "simulated: " + protocol);
}

// Gaussian noise on the time-domain values, its level then estimated from the data as for
// a measured file.
fit::MeasuredExperiment with_noise(fit::MeasuredExperiment x, double sigma_V, double sigma_A, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> v, i;
  std::vector<std::size_t> rv, ri;
  for (std::size_t k = 0; k < x.value.size(); ++k) {
    x.value[k] += (x.is_current[k] ? sigma_A : sigma_V) * g(rng);
    (x.is_current[k] ? i : v).push_back(x.value[k]);
    (x.is_current[k] ? ri : rv).push_back(x.step[k]);
  }
  if (!v.empty()) x.noise_V = fit::second_difference_noise(v, rv);
  if (!i.empty()) x.noise_A = fit::second_difference_noise(i, ri);
  return x;
}

bool covers(const fit::IdentifiedParameter& p, double truth) { return p.ci_low <= truth && truth <= p.ci_high; }

// Noise seeds of the coverage tests: 20, at least 17 covered (issue 17); under the address
// sanitizer, which runs them ten times slower, the first 5, at least 4 covered.
#if defined(CASTOR_SANITIZED)
constexpr unsigned kSeeds = 5, kCovered = 4;
#else
constexpr unsigned kSeeds = 20, kCovered = 17;
#endif

}  // namespace

// The short variant is chosen by CASTOR_SANITIZED (CMake's), not by a compiler's own macro:
// GCC defines __SANITIZE_ADDRESS__, clang does not, and the clang sanitizer build ran all 20
// seeds (101 s for one test).
TEST(Identify, SanitizerBuildsRunTheShortCoverageVariant) {
  bool address_sanitizer = false;
#if defined(__SANITIZE_ADDRESS__)
  address_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  address_sanitizer = true;
#endif
#endif
  EXPECT_EQ(address_sanitizer, kSeeds == 5) << "kSeeds " << kSeeds;
}

TEST(Identify, FitParameterSyntax) {
  const auto a = fit::parse_fit_parameter("cathode.k0_A_m2=0.01:1000@2");
  EXPECT_EQ(a.path, "cathode.k0_A_m2");
  EXPECT_DOUBLE_EQ(*a.lower, 0.01);
  EXPECT_DOUBLE_EQ(*a.upper, 1000);
  EXPECT_DOUBLE_EQ(*a.start, 2);
  EXPECT_FALSE(fit::parse_fit_parameter("cell.series_resistance_ohm").lower);
  for (const char* bad : {"=1:2", "cathode.k0_A_m2=abc:2", "cathode.k0_A_m2=2:1", "cathode.k0_A_m2=1"})
    EXPECT_THROW((void)fit::parse_fit_parameter(bad), castor::Error) << bad;
}

TEST(Identify, ParameterPathsReadAndReplaceKeys) {
  const auto file = fit::ParameterFile::from_text(kGittCell, "gitt.toml");
  EXPECT_DOUBLE_EQ(file.value("cathode.diffusivity_cm2_s"), 1e-12);
  EXPECT_DOUBLE_EQ(file.parameters().diffusivity_m2_s, 1e-16);
  const auto p = file.with({{"cathode.diffusivity_cm2_s", 3e-12}, {"cell.series_resistance_ohm", 4.5}});
  EXPECT_DOUBLE_EQ(p.diffusivity_m2_s, 3e-16);
  EXPECT_DOUBLE_EQ(p.series_resistance_ohm, 4.5);
  // Keys the file does not set come from its preset.
  const auto preset = fit::ParameterFile::load("ntp-ca");
  EXPECT_DOUBLE_EQ(preset.value("cathode.k0_A_m2"), 5.5e-4);
  EXPECT_THROW((void)preset.value("cathode.no_such_key"), castor::Error);
  EXPECT_THROW((void)preset.value("k0_A_m2"), castor::Error);                    // not section.key
  EXPECT_THROW((void)preset.with({{"cathode.no_such_key", 1}}), castor::Error);  // the parser names it
}

// The protocol comes from the file's own steps.
TEST(Identify, ProtocolFromTheTablesSteps) {
  const auto file = fit::ParameterFile::from_text(kHomogeneousCell, "h.toml");
  const auto x = simulated(file,
                           "Discharge at 20 mA/g for 30 minutes; Rest for 10 minutes; Hold at 1.95 V for 5 minutes; "
                           "Sweep from 1.95 V to 2.1 V at 1 mV/s");
  ASSERT_EQ(x.protocol.size(), 4u);
  EXPECT_EQ(x.protocol[0].type, sim::StepType::discharge);
  EXPECT_NEAR(x.protocol[0].current->value, 20e-3 * 1e-3, 1e-12);
  EXPECT_NEAR(*x.protocol[0].duration_s, 1800, 1e-6);
  EXPECT_EQ(x.protocol[1].type, sim::StepType::rest);
  EXPECT_EQ(x.protocol[2].type, sim::StepType::hold);
  EXPECT_NEAR(*x.protocol[2].voltage_V, 1.95, 1e-3);
  EXPECT_EQ(x.protocol[3].type, sim::StepType::sweep);
  EXPECT_NEAR(*x.protocol[3].sweep_rate_V_s, 1e-3, 1e-6);
  // The true parameters reproduce the data to the simulator's tolerance.
  const auto w = fit::weighted_residuals(file.parameters(), x);
  double worst = 0;
  for (double r : w) worst = std::max(worst, std::fabs(r));
  EXPECT_LT(worst, 1.0);
}

// (a) D and k0 from a GITT: over 20 noise seeds (1 mV) the 95 % intervals cover the truth
// at least 17 times each.
TEST(Identify, ClosedLoopGittDiffusivityAndRateConstant) {
  const auto file = fit::ParameterFile::from_text(kGittCell, "gitt.toml");
  const auto clean = simulated(file, "(Discharge at 50 mA/g for 10 minutes; Rest for 20 minutes) x 4");
  fit::IdentifyOptions o;
  o.parameters = {fit::parse_fit_parameter("cathode.diffusivity_cm2_s=1e-14:1e-10@3e-12"),
                  fit::parse_fit_parameter("cathode.k0_A_m2=1e-4:1@0.003")};
  int cover_D = 0, cover_k = 0;
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    const auto x = with_noise(clean, 1e-3, 0, seed);
    EXPECT_NEAR(x.noise_V, 1e-3, 2e-4);  // the estimate from the data
    const auto r = fit::identify(file, {x}, o);
    cover_D += covers(r.parameters[0], 1e-12);
    cover_k += covers(r.parameters[1], 0.01);
    EXPECT_TRUE(r.parameters[0].determined) << r.parameters[0].note;
    EXPECT_LT(r.reduced_chi2, 1.3);
  }
  EXPECT_GE(cover_D, static_cast<int>(kCovered));
  EXPECT_GE(cover_k, static_cast<int>(kCovered));
}

// (b) Rs, k0 and Cdl from one impedance spectrum (1 % noise on Z' and Z'').
TEST(Identify, ClosedLoopImpedanceSeriesResistanceRateConstantDoubleLayer) {
  // The state: half filled.
  std::string text = kHomogeneousCell;
  text.replace(text.find("initial_filling = 0.02"), 22, "initial_filling = 0.5");
  const auto half = fit::ParameterFile::from_text(text, "h.toml");
  sim::ProtocolStep z;
  z.type = sim::StepType::impedance;
  z.text = "Impedance";
  for (int k = 0; k <= 60; ++k) z.frequencies_Hz.push_back(1e5 * std::pow(10.0, -k / 10.0));
  const auto spectrum = sim::simulate(half.parameters(), {z}).spectra.at(0);
  fit::IdentifyOptions o;
  o.parameters = {fit::parse_fit_parameter("cell.series_resistance_ohm=1:100@30"), fit::parse_fit_parameter("cathode.k0_A_m2=1e-5:1@0.01"),
                  fit::parse_fit_parameter("cathode.double_layer_uF_cm2=0.1:1000@3")};
  int cover[3] = {0, 0, 0};
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> g(0, 1);
    castor::eis::Spectrum s;
    s.source = "simulated spectrum";
    s.freq_Hz = spectrum.freq_Hz;
    for (const auto& v : spectrum.z_ohm)
      s.z_ohm.emplace_back(v.real() + 0.01 * std::abs(v) * g(rng), v.imag() + 0.01 * std::abs(v) * g(rng));
    const auto x = fit::experiment_from_spectrum(s, {});
    EXPECT_NEAR(x.noise_relative_z, 0.01, 0.004);  // from the Lin-KK residuals
    const auto r = fit::identify(half, {x}, o);
    cover[0] += covers(r.parameters[0], 15);
    cover[1] += covers(r.parameters[1], 0.002);
    cover[2] += covers(r.parameters[2], 10);
  }
  for (int k = 0; k < 3; ++k) EXPECT_GE(cover[k], static_cast<int>(kCovered)) << o.parameters[static_cast<std::size_t>(k)].path;
}

// (c) Omega, k0 and E0 from a galvanostatic cycle plus a CV, fitted together.
TEST(Identify, ClosedLoopCycleAndVoltammogramTogether) {
  const auto file = fit::ParameterFile::from_text(kHomogeneousCell, "h.toml");
  const auto cycle = simulated(file, "Discharge at 50 mA/g until 1.7 V; Charge at 50 mA/g until 2.1 V");
  const auto cv = simulated(file, "Sweep from 1.89 V to 1.7 V at 1 mV/s; Sweep from 1.7 V to 2.1 V at 1 mV/s");
  double i_max = 0;
  for (std::size_t k = 0; k < cv.value.size(); ++k)
    if (cv.is_current[k]) i_max = std::max(i_max, std::fabs(cv.value[k]));
  fit::IdentifyOptions o;
  o.parameters = {fit::parse_fit_parameter("cathode.omega_kT=0.2:1.95@1"), fit::parse_fit_parameter("cathode.k0_A_m2=1e-5:1@0.005"),
                  fit::parse_fit_parameter("cathode.e0_V=1.8:2.0@1.86")};
  int cover[3] = {0, 0, 0};
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    const auto a = with_noise(cycle, 1e-3, 0, seed), b = with_noise(cv, 0, 0.01 * i_max, 1000 + seed);
    const auto r = fit::identify(file, {a, b}, o);
    cover[0] += covers(r.parameters[0], 1.5);
    cover[1] += covers(r.parameters[1], 0.002);
    cover[2] += covers(r.parameters[2], 1.89);
  }
  for (int k = 0; k < 3; ++k) EXPECT_GE(cover[k], static_cast<int>(kCovered)) << o.parameters[static_cast<std::size_t>(k)].path;
}

// Homogeneous particles without a double layer: the exchange current is k0 times the
// particles' area, which goes as 1 / radius, so only k0 / radius is determined; the
// report says so.
TEST(Identify, ReportsWhatTheDataCannotSeparate) {
  std::string text = kHomogeneousCell;
  text.replace(text.find("double_layer_uF_cm2 = 10"), 24, "double_layer_uF_cm2 = 0");
  const auto file = fit::ParameterFile::from_text(text, "h.toml");
  const auto x = with_noise(simulated(file, "Discharge at 20 mA/g until 1.7 V; Charge at 20 mA/g until 2.1 V"), 1e-3, 0, 7);
  fit::IdentifyOptions o;
  o.parameters = {fit::parse_fit_parameter("cathode.k0_A_m2=1e-5:1@0.004"), fit::parse_fit_parameter("particles.radius_nm=10:1000@150")};
  const auto r = fit::identify(file, {x}, o);
  ASSERT_FALSE(r.undetermined.empty());
  EXPECT_NE(r.undetermined[0].find("only cathode.k0_A_m2 / particles.radius_nm is determined"), std::string::npos) << r.undetermined[0];
  EXPECT_FALSE(r.parameters[0].determined);
  EXPECT_FALSE(r.parameters[1].determined);
  // The ratio itself is recovered: k0 / r = 0.002 / 100.
  EXPECT_NEAR(r.parameters[0].value / r.parameters[1].value, 2e-5, 2e-6);
}

// Bad input gives errors naming what is wrong, not a fit.
TEST(Identify, RefusesNonsense) {
  const auto file = fit::ParameterFile::from_text(kGittCell, "gitt.toml");
  const auto x = simulated(file, "Discharge at 20 mA/g for 10 minutes; Rest for 20 minutes");
  fit::IdentifyOptions o;
  EXPECT_THROW((void)fit::identify(file, {x}, o), castor::Error);  // nothing to fit
  o.parameters = {fit::parse_fit_parameter("cathode.k0_A_m2=1:10")};
  EXPECT_THROW((void)fit::identify(file, {x}, o), castor::Error);  // start 0.01 outside 1..10
  o.parameters = {fit::parse_fit_parameter("cathode.formula")};
  EXPECT_THROW((void)fit::identify(file, {x}, o), castor::Error);  // not a number
  o.parameters = {fit::parse_fit_parameter("cathode.k0_A_m2"), fit::parse_fit_parameter("cathode.k0_A_m2")};
  EXPECT_THROW((void)fit::identify(file, {x}, o), castor::Error);  // twice
}

// The command line: a simulated GITT identified, the JSON written; bad options exit 2.
TEST(Identify, CommandLine) {
  const auto dir = castor::test::scratch_dir("identify_cli");
  const std::string params = (dir / "cell.toml").string(), data = (dir / "gitt.csv").string(), out = (dir / "fit.json").string();
  {
    std::ofstream f(params);
    f << kGittCell;
  }
  auto run = [](const std::string& args) {
    const int status = std::system((std::string(CASTOR_CLI) + " " + args + " > /dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  ASSERT_EQ(run("simulate " + params + " --quiet --protocol '(Discharge at 50 mA/g for 10 minutes; Rest for 20 minutes) x 2' -o " + data),
            0);
  ASSERT_EQ(run("identify " + params + " --data " + data +
                " --fit cathode.diffusivity_cm2_s=1e-14:1e-10@3e-12 --fit cathode.k0_A_m2=1e-4:1@0.003 --quiet -o " + out),
            0);
  std::ifstream in(out);
  const auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["parameters"].size(), 2u);
  EXPECT_NEAR(j["parameters"][0]["value"].get<double>(), 1e-12, 1e-14);
  EXPECT_NEAR(j["parameters"][1]["value"].get<double>(), 0.01, 1e-4);
  EXPECT_TRUE(j["parameters"][0]["determined"].get<bool>());
  EXPECT_TRUE(j["castor"].contains("version"));
  for (const std::string bad : {"--fit cathode.k0_A_m2=abc", "--fit cathode.no_key", "--fit cathode.k0_A_m2 --cycles x",
                                "--fit cathode.k0_A_m2 --only sideways", "--fit cathode.k0_A_m2 --protocol 'Rest for 1 hour'"})
    EXPECT_EQ(run("identify " + params + " --data " + data + " " + bad), 2) << bad;
  EXPECT_EQ(run("identify " + params + " --data " + (dir / "missing.csv").string() + " --fit cathode.k0_A_m2"), 2);
}

// Real data (issue 17, item 5): navani's NaCoO2 coin cell, its cycle-3 discharge against the
// pseudo-OCV of cycle 2 (examples/identify/nacoo2.toml, docs/identify.md). The model
// explains the plateaus to a few mV but not the phase steps: the fit says so (reduced
// chi-square far above 1, uncertainties scaled), and its numbers are those the docs quote.
TEST(Identify, RealNaCoO2Discharge) {
#if defined(CASTOR_SANITIZED)
  GTEST_SKIP() << "10x slower under the address sanitizer; the release build runs it";
#endif
  const auto path = castor::test::data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr");
  fit::LoadOptions lo;
  lo.cycles = {3, 3};
  lo.direction = castor::Direction::discharge;
  lo.voltage = fit::VoltageKind::cell;
  const auto xs = fit::load_experiments(path.string(), lo);
  ASSERT_EQ(xs.size(), 1u);
  EXPECT_EQ(xs[0].protocol.size(), 1u);  // one constant-current discharge
  EXPECT_NEAR(xs[0].protocol[0].current->value, 88.8e-6, 0.1e-6);
  const auto file = fit::ParameterFile::load(std::string(CASTOR_SOURCE_DIR) + "/examples/identify/nacoo2.toml");
  fit::IdentifyOptions o;
  o.parameters = {fit::parse_fit_parameter("cathode.k0_A_m2=1e-4:100"), fit::parse_fit_parameter("cathode.diffusivity_cm2_s=1e-15:1e-6"),
                  fit::parse_fit_parameter("cell.series_resistance_ohm=0.1:1000"),
                  fit::parse_fit_parameter("cathode.capacity_mAh_g=800:1200")};
  const auto r = fit::identify(file, xs, o);
  EXPECT_TRUE(r.converged) << r.optimizer_message;
  EXPECT_LT(r.experiments[0].rms_V, 0.045);
  EXPECT_GT(r.reduced_chi2, 1e4);  // the model misses the phase steps ...
  bool said = false;
  for (const auto& w : r.warnings) said = said || w.find("does not explain the data to their noise") != std::string::npos;
  EXPECT_TRUE(said);                            // ... and says so
  EXPECT_NEAR(r.parameters[3].value, 1008, 4);  // the discharge's 0.8836 mAh over the 0.87633 mg of the file
  EXPECT_TRUE(r.parameters[0].determined) << r.parameters[0].note;
  // k0 and Rs are 0.88 correlated: the fit ends in a shallow valley between k0 3.8 / Rs 53
  // (chi2 1.112e9, before the simulator's bordered solver of 2026-12-03) and k0 5.15 / Rs 65.5
  // (chi2 1.107e9, now); both inside the other's 95 % Jacobian interval.
  EXPECT_NEAR(r.parameters[0].value, 5.15, 1.4);  // k0, A/m2
  EXPECT_NEAR(r.parameters[2].value, 65.5, 12);   // Rs, Ohm
  EXPECT_LT(r.chi2, 1.110e9);
  EXPECT_GT(r.parameters[1].value, 1e-9);  // D: no diffusion limitation seen
}

// The audit's case: the side reaction's rate is side_i0 exp(-(phi - side_e0) / b), so i0 and
// e0 are one parameter (i0 exp(e0 / b)); fitted together the report names the pair.
TEST(Identify, SideReactionRateAndPotentialAreOneParameter) {
  std::string text = kHomogeneousCell;
  text += "[ageing]\nside_i0_mA_g = 0.5\nside_e0_V = 1.85\nside_tafel_mV = 50\n";
  const auto file = fit::ParameterFile::from_text(text, "h.toml");
  const auto x = with_noise(simulated(file, "Discharge at 20 mA/g until 1.7 V; Charge at 20 mA/g until 2.1 V"), 1e-3, 0, 3);
  fit::IdentifyOptions o;
  o.parameters = {fit::parse_fit_parameter("ageing.side_i0_mA_g=0.01:10@1"), fit::parse_fit_parameter("ageing.side_e0_V=1.7:2.0@1.8")};
  const auto r = fit::identify(file, {x}, o);
  ASSERT_FALSE(r.undetermined.empty());
  const auto& u = r.undetermined[0];
  EXPECT_NE(u.find("ageing.side_i0_mA_g"), std::string::npos) << u;
  EXPECT_NE(u.find("ageing.side_e0_V"), std::string::npos) << u;
  EXPECT_FALSE(r.parameters[0].determined && r.parameters[1].determined);
  // What the data do fix: i0 exp(e0 / b), the rate at a given potential.
  const double truth = 0.5 * std::exp(1.85 / 0.05), fitted = r.parameters[0].value * std::exp(r.parameters[1].value / 0.05);
  EXPECT_NEAR(std::log(fitted / truth), 0, 0.1);
}
