// An equivalent-circuit fit says which parameters the data determine (issue 15, item 1):
// bounds from the spectrum's own scales, "not determined by the data" for a parameter on a
// bound, with a relative error above 100 % or below the numerical floor, or whose element
// never reaches the spectrum's scale; the status is "converged" only when all are
// determined; strong correlations are named.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "castor/eis/circuit.h"
#include "castor/eis/fit.h"
#include "castor/eis/read_impedance.h"
#include "test_data.h"

namespace eis = castor::eis;

namespace {

// A spectrum of `circuit` with parameters p, 10 points per decade from f_lo to f_hi, with
// relative Gaussian noise `noise` on both parts.
eis::Spectrum simulated(const std::string& circuit, const std::vector<double>& p, double f_lo, double f_hi, double noise,
                        unsigned seed = 7) {
  const eis::Circuit c(circuit);
  std::mt19937 rng(seed);
  std::normal_distribution<double> g(0, 1);
  eis::Spectrum s;
  s.source = "simulated " + circuit;
  for (double lf = std::log10(f_hi); lf >= std::log10(f_lo) - 1e-9; lf -= 0.1) {
    const double f = std::pow(10.0, lf);
    const auto z = c.impedance(2 * std::numbers::pi * f, p);
    s.freq_Hz.push_back(f);
    s.z_ohm.emplace_back(z.real() * (1 + noise * g(rng)), z.imag() * (1 + noise * g(rng)));
  }
  return s;
}

bool undetermined(const eis::FitResult& r, const std::string& name) {
  for (const auto& [n, why] : r.undetermined)
    if (n == name) return true;
  return false;
}

}  // namespace

TEST(FitValidity, WellPosedFitIsConvergedAndRecoversTheParameters) {
  const std::vector<double> p = {10, 100, 1e-5};
  const auto s = simulated("R0-p(R1,C1)", p, 0.1, 1e5, 0.002);
  const auto r = eis::fit_circuit(eis::Circuit("R0-p(R1,C1)"), s);
  EXPECT_TRUE(r.determined()) << r.status();
  EXPECT_EQ(r.status(), "converged");
  for (std::size_t k = 0; k < p.size(); ++k) {
    EXPECT_NEAR(r.values[k], p[k], 4 * r.std_errors[k]) << r.names[k];  // recovered within the error castor reports
    EXPECT_LT(r.std_errors[k] / r.values[k], 0.05);
  }
}

TEST(FitValidity, AnArcTheDataDoNotHoldIsNotDetermined) {
  // One arc measured; a second one asked for.
  const auto s = simulated("R0-p(R1,C1)", {10, 100, 1e-5}, 0.1, 1e5, 0.002);
  const auto r = eis::fit_circuit(eis::Circuit("R0-p(R1,C1)-p(R2,C2)"), s);
  EXPECT_FALSE(r.determined());
  EXPECT_NE(r.status().find("not determined by the data"), std::string::npos) << r.status();
  EXPECT_TRUE(undetermined(r, "R2") || undetermined(r, "C2")) << r.status();
  // No value leaves the data's range: R within 1e3 |Z|max, C within the bounds the fit used.
  for (std::size_t k = 0; k < r.values.size(); ++k) {
    EXPECT_GE(r.values[k], r.lower[k] * (1 - 1e-9)) << r.names[k];
    EXPECT_LE(r.values[k], r.upper[k] * (1 + 1e-9)) << r.names[k];
  }
}

TEST(FitValidity, AnInductanceTheSpectrumDoesNotShowIsNotDetermined) {
  const auto s = simulated("R0-p(R1,C1)", {10, 100, 1e-5}, 0.1, 1e4, 0.002);
  eis::FitOptions o;
  o.starts = 1;
  const auto r = eis::fit_circuit(eis::Circuit("L0-R0-p(R1,C1)"), s, o);
  EXPECT_TRUE(undetermined(r, "L0")) << r.status();
  EXPECT_GT(r.values[0], 0.9 * r.lower[0]);  // not 3e-16 H: the bound is the spectrum's
}

TEST(FitValidity, YadgPeisNoLongerGivesAnAstronomicalResistance) {
  // castor printed R2 = 2.12e42 Ohm +- 3.84 (0.00 %) "converged" on this file.
  const auto spectra = eis::read_impedance(castor::test::data_file("cycler/yadg/peis.issue_225.with_ece.mpr"));
  ASSERT_FALSE(spectra.empty());
  const auto& s = spectra.front();
  double zmax = 0;
  for (const auto& z : s.z_ohm) zmax = std::max(zmax, std::abs(z));
  const auto r = eis::fit_circuit(eis::Circuit("R0-p(R1,C1)-p(R2,C2)"), s);
  for (std::size_t k = 0; k < r.values.size(); ++k) {
    if (r.units[k] == "Ohm") {
      EXPECT_LE(r.values[k], 1e3 * zmax * (1 + 1e-9)) << r.names[k];
    }
  }
  EXPECT_FALSE(r.determined()) << r.status();
  EXPECT_NE(r.status(), "converged");
}

TEST(FitValidity, CorrelatedParametersAreNamed) {
  // A finite-length Warburg whose time constant lies far below the measured window: its R
  // and tau are determined only as their ratio (a semi-infinite Warburg).
  const auto s = simulated("R0-p(R1,C1)-Wo1", {10, 100, 1e-5, 50, 1e3}, 1, 1e5, 0.002);
  const auto r = eis::fit_circuit(eis::Circuit("R0-p(R1,C1)-Wo1"), s);
  bool named = false;
  for (const auto& w : r.warnings) named = named || w.find("Wo1_0 and Wo1_1 are correlated") != std::string::npos;
  EXPECT_TRUE(named) << r.status();
  EXPECT_FALSE(r.determined());
}

// The confidence band: narrow where the data determine the fit, and it covers the truth
// when the weighting matches the noise (relative noise here: proportional weighting).
TEST(FitValidity, ConfidenceBandCoversTheTruth) {
  const std::vector<double> p = {10, 100, 1e-5};
  const auto s = simulated("R0-p(R1,C1)", p, 0.1, 1e5, 0.002);
  const eis::Circuit c("R0-p(R1,C1)");
  eis::FitOptions o;
  o.weighting = eis::Weighting::proportional;
  const auto r = eis::fit_circuit(c, s, o);
  const auto band = eis::confidence_band(c, r, s.freq_Hz);
  ASSERT_EQ(band.sigma_abs_ohm.size(), s.size());
  std::size_t covered = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto truth = c.impedance(2 * std::numbers::pi * s.freq_Hz[i], p);
    const auto fit = r.z_fit[i];
    EXPECT_LT(band.sigma_abs_ohm[i], 0.01 * std::abs(truth));
    covered += std::abs(std::abs(fit) - std::abs(truth)) <= 1.96 * band.sigma_abs_ohm[i] + 1e-12;
  }
  EXPECT_GE(covered, s.size() * 8 / 10);  // a 95 % band covers most of the true curve
}
