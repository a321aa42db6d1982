// One 29-point spectrum saved by eleven instrument programs (pyimpspec's example files,
// tests/data/pyimpspec/SOURCES.md): every reader must give the same points to the file's
// precision, and damaged copies must be refused with the file and the problem named.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>

#include <cmath>
#include <string>

#include "castor/core/error.h"
#include "castor/eis/read_impedance.h"
#include "test_data.h"

using castor::eis::Spectrum;
using castor::test::fixture_file;

namespace {

Spectrum reference() {
  const auto s = castor::eis::read_impedance(fixture_file("pyimpspec/data.i2b"));
  EXPECT_EQ(s.size(), 1u);
  return s.at(0);
}

// Every point within rel_tol (relative, with an absolute floor of rel_tol x |Z| for
// components near zero).
void expect_same_points(const Spectrum& got, const Spectrum& want, double rel_tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double zabs = std::abs(want.z_ohm[i]);
    EXPECT_NEAR(got.freq_Hz[i], want.freq_Hz[i], rel_tol * want.freq_Hz[i]) << what << " point " << i;
    EXPECT_NEAR(got.z_ohm[i].real(), want.z_ohm[i].real(), rel_tol * zabs) << what << " point " << i;
    EXPECT_NEAR(got.z_ohm[i].imag(), want.z_ohm[i].imag(), rel_tol * zabs) << what << " point " << i;
  }
}

std::string what_of(const std::filesystem::path& p) {
  try {
    (void)castor::eis::read_impedance(p);
  } catch (const castor::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ImpedanceFormats, ReferenceSpectrum) {
  const auto ref = reference();
  ASSERT_EQ(ref.size(), 29u);
  EXPECT_DOUBLE_EQ(ref.freq_Hz.front(), 10000.0);
  EXPECT_DOUBLE_EQ(ref.z_ohm.front().real(), 109.00918219439028);
  EXPECT_DOUBLE_EQ(ref.z_ohm.front().imag(), -26.55567987651522);
  EXPECT_DOUBLE_EQ(ref.freq_Hz.back(), 1.0);
  EXPECT_DOUBLE_EQ(ref.z_ohm.back().imag(), -90.61812830738303);
}

struct FormatCase {
  const char* file;
  double rel_tol;  // the file's precision
  std::size_t spectra;
};

class SameSpectrum : public ::testing::TestWithParam<FormatCase> {};

TEST_P(SameSpectrum, EveryPoint) {
  const auto& c = GetParam();
  const auto ref = reference();
  const auto got = castor::eis::read_impedance(fixture_file(std::string("pyimpspec/") + c.file));
  ASSERT_EQ(got.size(), c.spectra) << c.file;
  for (const auto& s : got) expect_same_points(s, ref, c.rel_tol, c.file);
}

INSTANTIATE_TEST_SUITE_P(Pyimpspec, SameSpectrum,
                         ::testing::Values(FormatCase{"data.pssession", 1e-13, 1}, FormatCase{"data.dfr", 1e-15, 1},
                                           FormatCase{"data.idf", 1e-5, 1}, FormatCase{"data.ids", 1e-5, 2},
                                           // .P00 keeps 4 significant digits (112.058 is written 11.210e+01).
                                           FormatCase{"data.P00", 1e-3, 1}, FormatCase{"data.z", 1e-5, 1}, FormatCase{"data.dta", 1e-5, 1},
                                           FormatCase{"data.mpt", 1e-6, 1}, FormatCase{"data-tab.csv", 1e-15, 1},
                                           FormatCase{"data-comma-decimal-separator.csv", 1e-15, 1}),
                         [](const auto& param_info) {
                           std::string n = param_info.param.file;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ImpedanceFormats, DfrTrailerIsNamed) {
  const auto s = castor::eis::read_impedance(fixture_file("pyimpspec/data.dfr"));
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].warnings.size(), 1u);
  EXPECT_NE(s[0].warnings[0].find("10 trailer lines"), std::string::npos) << s[0].warnings[0];
}

TEST(ImpedanceFormats, SourcesNameTheSpectrum) {
  const auto ids = castor::eis::read_impedance(fixture_file("pyimpspec/data.ids"));
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_NE(ids[1].source.find("#2 (Test)"), std::string::npos) << ids[1].source;
}

// Damaged copies: a declared count the file does not hold is an error naming the file.
TEST(ImpedanceFormats, TruncatedCopiesAreRefused) {
  const auto dir = castor::test::scratch_dir("impedance_formats");
  for (const char* f : {"data.idf", "data.dfr", "data.i2b", "data.P00", "data.pssession"}) {
    const auto bytes = castor::test::file_bytes(fixture_file(std::string("pyimpspec/") + f));
    const auto cut = dir / f;
    // The Ivium file is cut inside its impedance rows (what follows them is other data).
    const std::string text(bytes.begin(), bytes.end());
    castor::test::write_bytes(cut, bytes, f == std::string("data.idf") ? text.find("primary_data") + 300 : bytes.size() * 2 / 3);
    const std::string msg = what_of(cut);
    EXPECT_FALSE(msg.empty()) << f << " cut at 2/3 was read";
    EXPECT_NE(msg.find(cut.string()), std::string::npos) << msg;
  }
}

// The point count line of a .P00 (and an i2b) is checked against the rows.
TEST(ImpedanceFormats, DeclaredCountMustMatch) {
  const auto dir = castor::test::scratch_dir("impedance_counts");
  for (const char* f : {"data.P00", "data.i2b"}) {
    auto bytes = castor::test::file_bytes(fixture_file(std::string("pyimpspec/") + f));
    std::string text(bytes.begin(), bytes.end());
    const auto at = text.find("29");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 2, "31");
    const auto p = dir / f;
    castor::test::write_bytes(p, std::vector<std::uint8_t>(text.begin(), text.end()), text.size());
    const std::string msg = what_of(p);
    EXPECT_NE(msg.find("declares 31 points"), std::string::npos) << f << ": " << msg;
  }
}

// An Ivium file of another method (here the impedance file relabelled) is not impedance.
TEST(ImpedanceFormats, IviumOtherMethodIsNotImpedance) {
  const auto dir = castor::test::scratch_dir("ivium_method");
  auto bytes = castor::test::file_bytes(fixture_file("pyimpspec/data.idf"));
  std::string text(bytes.begin(), bytes.end());
  const auto at = text.find("Method=Impedance");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 16, "Method=CyclicVoltammetry");
  const auto p = dir / "cv.idf";
  castor::test::write_bytes(p, std::vector<std::uint8_t>(text.begin(), text.end()), text.size());
  EXPECT_NE(what_of(p).find("none from Method=Impedance"), std::string::npos) << what_of(p);
}

// A PalmSens session holding only a CV is refused with what it holds.
TEST(ImpedanceFormats, PssessionWithoutEis) {
  const auto dir = castor::test::scratch_dir("pssession_cv");
  auto bytes = castor::test::file_bytes(fixture_file("pyimpspec/data.pssession"));
  // "DataSetEIS" in UTF-16LE -> "DataSetCV\0\0" is not the same length; rename EIS to XYZ.
  const std::string eis = std::string("E\0I\0S\0", 6);
  std::string text(bytes.begin(), bytes.end());
  const std::string key = std::string("D\0a\0t\0a\0S\0e\0t\0", 14) + eis;
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1))
    text.replace(at + 14, 6, std::string("X\0Y\0Z\0", 6));
  const auto p = dir / "cv.pssession";
  castor::test::write_bytes(p, std::vector<std::uint8_t>(text.begin(), text.end()), text.size());
  EXPECT_NE(what_of(p).find("no impedance measurement"), std::string::npos) << what_of(p);
}

// The reader's warnings reach the command line: printed beside the result, an error with
// --strict (exit 2).
TEST(ImpedanceFormats, CliPrintsWarningsAndStrictRefuses) {
  const std::string f = fixture_file("pyimpspec/data.dfr").string();
  const auto out = castor::test::scratch_dir("eis_strict") / "out.txt";
  auto run = [&](const std::string& extra) {
    const std::string cmd = std::string(CASTOR_CLI) + " eis kk '" + f + "'" + extra + " > '" + out.string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run(""), 0);
  auto text = castor::test::file_bytes(out);
  EXPECT_NE(std::string(text.begin(), text.end()).find("warning"), std::string::npos);
  EXPECT_EQ(run(" --strict"), 2);
  text = castor::test::file_bytes(out);
  EXPECT_NE(std::string(text.begin(), text.end()).find("--strict: not read: 10 trailer lines"), std::string::npos);
}
