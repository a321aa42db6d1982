// Defect class "decimal comma read as two numbers" and "a row with more or fewer fields is
// data": every text reader gets a decimal-comma copy of a real file (made here, from the
// files in ../shared/data) and must read the same numbers; a row with a field too many or
// too few is an error naming its line.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "castor/core/error.h"
#include "castor/eis/read_impedance.h"
#include "castor/io/read.h"
#include "castor/xps/read_xps.h"
#include "castor/xrd/pattern.h"
#include "castor/xrd/refine.h"
#include "test_data.h"

namespace fs = std::filesystem;
using castor::test::data_file;

namespace {

std::string text_of(const fs::path& p) {
  const auto b = castor::test::file_bytes(p);
  return std::string(b.begin(), b.end());
}

void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

// Every decimal point between digits becomes a comma (what a German or French locale writes).
std::string to_decimal_comma(const std::string& s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string out = s;
  for (std::size_t i = 1; i + 1 < out.size(); ++i)
    if (out[i] == '.' && digit(out[i - 1]) && digit(out[i + 1])) out[i] = ',';
  return out;
}

// Replaces the first occurrence of `what` on or after line `line` (1-based).
std::string replace_on_line(const std::string& s, std::size_t line, const std::string& what, const std::string& with) {
  std::size_t pos = 0;
  for (std::size_t l = 1; l < line; ++l) pos = s.find('\n', pos) + 1;
  const auto at = s.find(what, pos);
  EXPECT_NE(at, std::string::npos);
  return s.substr(0, at) + with + s.substr(at + what.size());
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const castor::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(DecimalComma, GamryImpedanceSameSpectrum) {
  const auto dir = castor::test::scratch_dir("decimal_gamry");
  const auto src = data_file("echem/impedance.py/exampleDataGamry.DTA");
  const auto comma = dir / "gamry_comma.DTA";
  write_text(comma, to_decimal_comma(text_of(src)));
  const auto a = castor::eis::read_impedance(src).at(0);
  const auto b = castor::eis::read_impedance(comma).at(0);
  ASSERT_EQ(a.size(), 72u);
  ASSERT_EQ(b.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.freq_Hz[i], b.freq_Hz[i]) << i;
    EXPECT_EQ(a.z_ohm[i], b.z_ohm[i]) << i;
  }
  // 109,00918 in a tab table is one number, never 109 and 918.
  EXPECT_NEAR(b.z_ohm[0].real(), 825.8584, 1e-9);
}

TEST(DecimalComma, EveryImpedanceTextFormat) {
  const auto dir = castor::test::scratch_dir("decimal_eis");
  // Tab- or blank-separated formats (the comma-separated Autolab and VersaStudio exports
  // cannot hold decimal commas).
  for (const char* f : {"impedance.py/Circuit3_EIS_1.z", "impedance.py/exampleDataZPlot.z", "impedance.py/exampleDataPowersuite.txt",
                        "pyDRTtools/LIB_data.txt", "impedance.py/exampleDataBioLogic.mpt"}) {
    const auto src = data_file(std::string("echem/") + f);
    const std::string original = text_of(src);
    const auto comma = dir / fs::path(f).filename();
    write_text(comma, to_decimal_comma(original));
    const auto a = castor::eis::read_impedance(src);
    const auto b = castor::eis::read_impedance(comma);
    ASSERT_EQ(a.size(), b.size()) << f;
    for (std::size_t s = 0; s < a.size(); ++s) {
      ASSERT_EQ(a[s].size(), b[s].size()) << f;
      for (std::size_t i = 0; i < a[s].size(); ++i) {
        EXPECT_DOUBLE_EQ(a[s].freq_Hz[i], b[s].freq_Hz[i]) << f << " point " << i;
        EXPECT_DOUBLE_EQ(a[s].z_ohm[i].real(), b[s].z_ohm[i].real()) << f << " point " << i;
        EXPECT_DOUBLE_EQ(a[s].z_ohm[i].imag(), b[s].z_ohm[i].imag()) << f << " point " << i;
      }
    }
  }
}

TEST(DecimalComma, CyclerTextExportsSameTable) {
  const auto dir = castor::test::scratch_dir("decimal_cycler");
  for (const char* f : {"echem/voltcycle/20mM_DFCA_1M_KOH_25mVs_0.5step.DTA.txt", "cycler/yadg/cp.mpt"}) {
    const auto src = data_file(f);
    const auto comma = dir / fs::path(f).filename();
    write_text(comma, to_decimal_comma(text_of(src)));
    const auto a = castor::io::read_table(src);
    const auto b = castor::io::read_table(comma);
    ASSERT_EQ(a.rows(), b.rows()) << f;
    for (const char* c : {"time_s", "voltage_V", "current_A"}) {
      const auto* x = a.find(c);
      const auto* y = b.find(c);
      ASSERT_TRUE(x && y) << f << " " << c;
      for (std::size_t i = 0; i < a.rows(); ++i) {
        if (std::isnan(x->values[i])) {
          EXPECT_TRUE(std::isnan(y->values[i]));
          continue;
        }
        ASSERT_DOUBLE_EQ(x->values[i], y->values[i]) << f << " " << c << " row " << i;
      }
    }
  }
}

TEST(DecimalComma, XpsAndXrdColumns) {
  const auto dir = castor::test::scratch_dir("decimal_xps_xrd");
  // An xy pattern and an XPS two-column file written with blanks and decimal commas.
  std::string xy, xps;
  for (int i = 0; i < 50; ++i) {
    xy += std::to_string(10 + 0.02 * i) + " " + std::to_string(100.5 + i) + "\n";
    xps += std::to_string(300 - 0.1 * i) + "\t" + std::to_string(1000.25 + i) + "\n";
  }
  write_text(dir / "p.xy", to_decimal_comma(xy));
  write_text(dir / "s.txt", to_decimal_comma(xps));
  const auto p = castor::xrd::read_pattern(dir / "p.xy");
  ASSERT_EQ(p.counts.size(), 50u);
  EXPECT_NEAR(p.two_theta_deg[1], 10.02, 1e-9);
  EXPECT_NEAR(p.counts[1], 101.5, 1e-9);
  const auto s = castor::xps::read_xps(dir / "s.txt").at(0);
  ASSERT_EQ(s.region.be_eV.size(), 50u);
  EXPECT_NEAR(s.region.be_eV[1], 299.9, 1e-9);
  EXPECT_NEAR(s.region.counts[1], 1001.25, 1e-9);
}

TEST(FieldCount, RowWithAFieldTooManyOrTooFewNamesItsLine) {
  const auto dir = castor::test::scratch_dir("field_count");
  // Gamry ZCURVE: line 450 is the first data row.
  const std::string gamry = text_of(data_file("echem/impedance.py/exampleDataGamry.DTA"));
  write_text(dir / "extra.DTA", replace_on_line(gamry, 452, "\t1\t", "\t1\t7\t"));
  auto e = error_of([&] { (void)castor::eis::read_impedance(dir / "extra.DTA"); });
  EXPECT_NE(e.find("extra.DTA"), std::string::npos) << e;
  EXPECT_NE(e.find("line 452"), std::string::npos) << e;
  // A Gamry CV table with a field missing.
  const std::string cv = text_of(data_file("echem/voltcycle/20mM_DFCA_1M_KOH_25mVs_0.5step.DTA.txt"));
  write_text(dir / "short.DTA", replace_on_line(cv, 70, "\t10\t", "\t"));
  e = error_of([&] { (void)castor::io::read_table(dir / "short.DTA"); });
  EXPECT_NE(e.find("short.DTA"), std::string::npos) << e;
  EXPECT_NE(e.find("line 70"), std::string::npos) << e;
  // An XRD xy row with a third field where the others have two.
  std::string xy;
  for (int i = 0; i < 20; ++i) xy += std::to_string(10 + 0.02 * i) + " " + std::to_string(100 + i) + (i == 7 ? " 5\n" : "\n");
  write_text(dir / "p.xy", xy);
  e = error_of([&] { (void)castor::xrd::read_pattern(dir / "p.xy"); });
  EXPECT_NE(e.find("line 8"), std::string::npos) << e;
}

TEST(DecimalComma, MixedSeparatorsAreAnErrorNotText) {
  const auto dir = castor::test::scratch_dir("decimal_mixed");
  std::string csv = "time/s\tEwe/V\tI/mA\n";
  for (int i = 0; i < 30; ++i) csv += std::to_string(i) + ".5\t3.1\t0.25\n";
  csv += "31,5\t3,1\t0,25\n";
  write_text(dir / "mixed.txt", csv);
  const auto e = error_of([&] { (void)castor::io::read_table(dir / "mixed.txt"); });
  EXPECT_NE(e.find("mixed.txt"), std::string::npos) << e;
  EXPECT_NE(e.find("line 32"), std::string::npos) << e;
  EXPECT_NE(e.find("decimal"), std::string::npos) << e;
}

TEST(XrdmlRadiation, RatioZeroMeansOneLine) {
  const auto dir = castor::test::scratch_dir("xrdml_ratio");
  const auto src = data_file("materials/xylib/empyrean.xrdml");
  std::string s = text_of(src);
  const auto at = s.find("<ratioKAlpha2KAlpha1>0.5000<");
  ASSERT_NE(at, std::string::npos);
  s.replace(at, std::string("<ratioKAlpha2KAlpha1>0.5000<").size(), "<ratioKAlpha2KAlpha1>0<");
  write_text(dir / "mono.xrdml", s);
  const auto p = castor::xrd::read_pattern(dir / "mono.xrdml");
  EXPECT_TRUE(p.ka2_ratio_stated);
  EXPECT_EQ(p.ka2_ratio, 0.0);
  const auto in = castor::xrd::Instrument::from_pattern(p);
  EXPECT_EQ(in.ka2_ratio, 0.0);  // never the 0.5 default
  EXPECT_EQ(in.ka2_Ang, 0.0);
  EXPECT_DOUBLE_EQ(in.ka1_Ang, 1.540598);
  const auto full = castor::xrd::Instrument::from_pattern(castor::xrd::read_pattern(src));
  EXPECT_DOUBLE_EQ(full.ka2_ratio, 0.5);
  EXPECT_DOUBLE_EQ(full.ka2_Ang, 1.544426);
  // A pattern without wavelengths says that Cu is assumed.
  std::string xy;
  for (int i = 0; i < 20; ++i) xy += std::to_string(10 + 0.02 * i) + " " + std::to_string(100 + i) + "\n";
  write_text(dir / "p.xy", xy);
  const auto guess = castor::xrd::Instrument::from_pattern(castor::xrd::read_pattern(dir / "p.xy"));
  EXPECT_NE(guess.radiation_source.find("assumed"), std::string::npos);
}
