// --strict on the impedance commands (issue 15, item 8): a fit with parameters the data do
// not determine, a spectrum that fails Kramers-Kronig, and a series with a flagged fit give
// exit status 2 with --strict and 0 without it; outputs are still written and the series
// CSV carries each fit's status.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>

#include "castor/eis/circuit.h"
#include "test_data.h"

namespace {

// An impedance.py-style CSV (frequency, Z', Z'') of `circuit`, 10 points per decade, high to
// low frequency, plus a series resistance drifting by `drift_ohm` over the sweep.
std::filesystem::path write_spectrum(const std::filesystem::path& file, const std::string& circuit, const std::vector<double>& p,
                                     double f_lo, double f_hi, double drift_ohm = 0) {
  const castor::eis::Circuit c(circuit);
  std::ofstream out(file);
  const int n = static_cast<int>(std::lround(10 * std::log10(f_hi / f_lo))) + 1;
  for (int k = 0; k < n; ++k) {
    const double f = f_hi * std::pow(10.0, -0.1 * k);
    const auto z = c.impedance(2 * std::numbers::pi * f, p) + std::complex<double>(drift_ohm * k / (n - 1.0), 0);
    out << f << ',' << z.real() << ',' << z.imag() << '\n';
  }
  return file;
}

int run(const std::string& args, const std::filesystem::path& log) {
  const int rc = std::system((std::string(CASTOR_CLI) + " " + args + " > " + log.string() + " 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string text_of(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(EisStrict, UndeterminedFitIsAnErrorOnlyWithStrict) {
  const auto dir = castor::test::scratch_dir("eis_strict_fit");
  // One arc measured, two asked for.
  const auto z = write_spectrum(dir / "one_arc.csv", "R0-p(R1,C1)", {10, 100, 1e-5}, 0.1, 1e5);
  const std::string fit = "eis fit " + z.string() + " --circuit 'R0-p(R1,C1)-p(R2,C2)' -o " + (dir / "fit.json").string();
  EXPECT_EQ(run(fit, dir / "plain.txt"), 0) << text_of(dir / "plain.txt");
  EXPECT_NE(text_of(dir / "plain.txt").find("NOT DETERMINED"), std::string::npos) << text_of(dir / "plain.txt");
  std::filesystem::remove(dir / "fit.json");
  EXPECT_EQ(run(fit + " --strict", dir / "strict.txt"), 2) << text_of(dir / "strict.txt");
  EXPECT_NE(text_of(dir / "strict.txt").find("--strict"), std::string::npos) << text_of(dir / "strict.txt");
  EXPECT_TRUE(std::filesystem::exists(dir / "fit.json"));  // written before the refusal
  // The well-posed fit passes --strict.
  EXPECT_EQ(run("eis fit " + z.string() + " --circuit 'R0-p(R1,C1)' --strict", dir / "good.txt"), 0) << text_of(dir / "good.txt");
}

TEST(EisStrict, KramersKronigFailureIsAnErrorOnlyWithStrict) {
  const auto dir = castor::test::scratch_dir("eis_strict_kk");
  const std::vector<double> p{5, 50, 1e-6, 200, 1e-3};
  const auto drift = write_spectrum(dir / "drift.csv", "R0-p(R1,C1)-p(R2,C2)", p, 1e-2, 1e5, 20);
  const auto exact = write_spectrum(dir / "exact.csv", "R0-p(R1,C1)-p(R2,C2)", p, 1e-2, 1e5);
  EXPECT_EQ(run("eis kk " + drift.string(), dir / "drift.txt"), 0) << text_of(dir / "drift.txt");
  EXPECT_EQ(run("eis kk " + drift.string() + " --strict", dir / "drift_strict.txt"), 2) << text_of(dir / "drift_strict.txt");
  EXPECT_EQ(run("eis kk " + exact.string() + " --strict", dir / "exact.txt"), 0) << text_of(dir / "exact.txt");
}

TEST(EisStrict, SeriesCsvCarriesEachFitsStatus) {
  const auto dir = castor::test::scratch_dir("eis_strict_series");
  const auto a = write_spectrum(dir / "a.csv", "R0-p(R1,C1)", {10, 100, 1e-5}, 0.1, 1e5);
  const auto b = write_spectrum(dir / "b.csv", "R0-p(R1,C1)", {12, 150, 1e-5}, 0.1, 1e5);
  const std::string two = "eis series " + a.string() + " " + b.string() + " -o " + (dir / "s.csv").string();
  EXPECT_EQ(run(two + " --circuit 'R0-p(R1,C1)' --strict", dir / "good.txt"), 0) << text_of(dir / "good.txt");
  std::string csv = text_of(dir / "s.csv");
  EXPECT_NE(csv.find(",status\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",\"converged\"\n"), std::string::npos) << csv;
  EXPECT_EQ(run(two + " --circuit 'R0-p(R1,C1)-p(R2,C2)'", dir / "bad.txt"), 0) << text_of(dir / "bad.txt");
  csv = text_of(dir / "s.csv");
  EXPECT_NE(csv.find("not determined by the data"), std::string::npos) << csv;
  EXPECT_NE(text_of(dir / "bad.txt").find("WARNING: spectrum 1:"), std::string::npos) << text_of(dir / "bad.txt");
  EXPECT_EQ(run(two + " --circuit 'R0-p(R1,C1)-p(R2,C2)' --strict", dir / "bad_strict.txt"), 2);
}

// A real file (yadg's peis.issue_225.with_ece.mpr, where castor once printed R2 = 2.12e42 Ohm
// "converged"): the two-arc fit is written with "converged": false and --strict refuses it.
TEST(EisStrict, RealFileUndeterminedFit) {
  const auto dir = castor::test::scratch_dir("eis_strict_real");
  const std::string fit = "eis fit " + castor::test::data_file("cycler/yadg/peis.issue_225.with_ece.mpr").string() +
                          " --circuit 'R0-p(R1,C1)-p(R2,C2)' -o " + (dir / "fit.json").string();
  EXPECT_EQ(run(fit, dir / "plain.txt"), 0) << text_of(dir / "plain.txt");
  EXPECT_NE(text_of(dir / "fit.json").find("\"converged\": false"), std::string::npos);
  EXPECT_EQ(run(fit + " --strict", dir / "strict.txt"), 2) << text_of(dir / "strict.txt");
}
