// castor's Kramers-Kronig defaults (issue 15, item 2): exact circuit spectra pass, a
// spectrum with drift fails, and a verdict that depends on the setting is said.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "castor/eis/circuit.h"
#include "castor/eis/lin_kk.h"
#include "castor/eis/read_impedance.h"
#include "test_data.h"

namespace eis = castor::eis;

namespace {
eis::Spectrum exact(const std::string& circuit, const std::vector<double>& p, double f_lo = 0.01, double f_hi = 1e5) {
  const eis::Circuit c(circuit);
  eis::Spectrum s;
  s.source = circuit;
  for (double lf = std::log10(f_hi); lf >= std::log10(f_lo) - 1e-9; lf -= 0.1) {
    s.freq_Hz.push_back(std::pow(10.0, lf));
    s.z_ohm.push_back(c.impedance(2 * std::numbers::pi * s.freq_Hz.back(), p));
  }
  return s;
}
}  // namespace

TEST(KkDefaults, ExactCircuitSpectraPass) {
  const std::pair<std::string, std::vector<double>> circuits[] = {
      {"R0-p(R1,C1)", {10, 100, 1e-5}},                    // Randles without diffusion
      {"R0-p(R1,C1)-p(R2,C2)", {5, 50, 1e-6, 200, 1e-3}},  // two arcs (Boukamp-like)
      {"R0-p(R1,C1)-W1", {10, 100, 1e-5, 30}},             // a diffusion tail (capacitive end)
      {"R0-p(R1,CPE1)-C2", {10, 100, 1e-5, 0.85, 1e-3}},   // a blocking capacitor
  };
  for (const auto& [c, p] : circuits) {
    const auto v = eis::kk_verdict(exact(c, p));
    EXPECT_TRUE(v.chosen.passes()) << c << ": " << v.text();
  }
  EXPECT_TRUE(eis::low_frequency_capacitive(exact("R0-p(R1,C1)-W1", {10, 100, 1e-5, 30})));
  EXPECT_FALSE(eis::low_frequency_capacitive(exact("R0-p(R1,C1)", {10, 100, 1e-5})));
}

TEST(KkDefaults, DriftFails) {
  // The same cell measured while its series resistance drifts by 20 Ohm (warming up, losing
  // electrolyte), high to low frequency: the real part moves without the imaginary part.
  const eis::Circuit c("R0-p(R1,C1)-p(R2,C2)");
  eis::Spectrum s;
  const int n = 71;
  for (int k = 0; k < n; ++k) {
    const double f = std::pow(10.0, 5 - 0.1 * k);
    s.freq_Hz.push_back(f);
    s.z_ohm.push_back(c.impedance(2 * std::numbers::pi * f, std::vector<double>{5, 50, 1e-6, 200, 1e-3}) +
                      std::complex<double>(20.0 * k / (n - 1.0), 0));
  }
  const auto v = eis::kk_verdict(s);
  EXPECT_FALSE(v.chosen.passes()) << v.text();
}

TEST(KkDefaults, SettingDependenceIsSaid) {
  // impedance.py's battery spectrum: its diffusion tail needs the series C.
  const auto s = eis::read_impedance(castor::test::data_file("echem/impedance.py/exampleData.csv")).front();
  const auto v = eis::kk_verdict(s);
  EXPECT_TRUE(v.chosen.add_capacitance);
  EXPECT_NE(v.text().find("Other settings"), std::string::npos);
  if (v.depends_on_setting()) {
    EXPECT_NE(v.text().find("depends on the setting"), std::string::npos);
  }
}
