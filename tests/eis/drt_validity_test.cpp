// The DRT says when its peaks cannot be trusted, and can choose lambda itself (issue 15,
// item 3): closed loops on simulated spectra.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "castor/eis/circuit.h"
#include "castor/eis/drt.h"

namespace eis = castor::eis;

namespace {
eis::Spectrum simulated(const std::string& circuit, const std::vector<double>& p, double f_lo, double f_hi) {
  const eis::Circuit c(circuit);
  std::mt19937 rng(5);
  std::normal_distribution<double> g(0, 0.002);
  eis::Spectrum s;
  for (double lf = std::log10(f_hi); lf >= std::log10(f_lo) - 1e-9; lf -= 0.1) {
    const double f = std::pow(10.0, lf);
    const auto z = c.impedance(2 * std::numbers::pi * f, p);
    s.freq_Hz.push_back(f);
    s.z_ohm.emplace_back(z.real() * (1 + g(rng)), z.imag() * (1 + g(rng)));
  }
  return s;
}
bool warns(const eis::DrtResult& r, const std::string& what) {
  for (const auto& w : r.warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}
}  // namespace

TEST(DrtValidity, AnArcInsideTheWindowIsFoundWithoutWarnings) {
  // tau = R C = 1e-3 s (159 Hz), measured 0.1 Hz - 100 kHz.
  const auto s = simulated("R0-p(R1,C1)", {10, 100, 1e-5}, 0.1, 1e5);
  const auto choice = eis::choose_lambda(s);
  ASSERT_FALSE(choice.lambdas.empty());
  eis::DrtOptions o;
  o.lambda = choice.lambda;
  const auto r = eis::drt(s, o);
  ASSERT_FALSE(r.peaks.empty());
  EXPECT_NEAR(std::log10(r.peaks.front().tau_s), -3.0, 0.1);
  EXPECT_NEAR(r.r_polarisation_ohm, 100, 5);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST(DrtValidity, AnArcAtTheWindowsEdgeIsFlagged) {
  // tau = 1 s (0.16 Hz) with the spectrum stopping at 0.2 Hz: the arc is not closed.
  const auto s = simulated("R0-p(R1,C1)", {10, 100, 1e-2}, 0.2, 1e5);
  const auto r = eis::drt(s);
  EXPECT_TRUE(warns(r, "edge of the measured window") || warns(r, "long-tau end")) << (r.warnings.empty() ? "" : r.warnings.front());
}

TEST(DrtValidity, APoorReproductionIsFlagged) {
  // A pure capacitive rise (a blocking electrode): no finite distribution reproduces it.
  const auto s = simulated("R0-C1", {10, 1e-4}, 0.01, 1e5);
  const auto r = eis::drt(s);
  EXPECT_TRUE(warns(r, "reproduces the data poorly") || warns(r, "long-tau end")) << r.residual_rms_rel;
}
