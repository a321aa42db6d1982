// Every libFuzzer finding (scripts/fuzz.sh) becomes a case here, rebuilt from a real file
// so that it runs in the ordinary test builds (release and sanitizer).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>

#include <fstream>
#include <sstream>
#include <string>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "castor/core/error.h"
#include "castor/chem/formula.h"
#include "castor/eis/circuit.h"
#include "castor/io/read.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"
#include "castor/io/detail/text.h"
#include "castor/xps/read_xps.h"
#include "test_data.h"

using castor::test::data_file;

// fuzz_xps: a VAMAS count field of 1e37 was cast to long (undefined behaviour).
TEST(FuzzFindings, VamasHugeCount) {
  const auto dir = castor::test::scratch_dir("fuzz_vamas");
  std::ifstream in(data_file("materials/xylib/mjr9_116a.vms"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  // Line 6 is the number of comment lines.
  std::size_t pos = 0;
  for (int l = 1; l < 6; ++l) pos = s.find('\n', pos) + 1;
  const auto end = s.find('\n', pos);
  s = s.substr(0, pos) + "1e37" + s.substr(end);
  std::ofstream(dir / "huge.vms", std::ios::binary) << s;
  try {
    (void)castor::xps::read_xps(dir / "huge.vms");
    FAIL();
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("whole number"), std::string::npos) << e.what();
  }
}

// fuzz_arbin_res: an Arbin DateTime of 5.5e303 days reached format_datetime, which cast the
// seconds to long long (undefined behaviour). Dates outside 1990-2100 are now not printed;
// the reader says why.
TEST(FuzzFindings, DatesOutsideAnyCalendar) {
  EXPECT_EQ(castor::io::format_datetime(5.48612e303), "");
  EXPECT_EQ(castor::io::format_datetime(-1e300), "");
  EXPECT_EQ(castor::io::format_datetime(253402300800.0), "");  // year 10000
  EXPECT_EQ(castor::io::format_datetime(253402300799.0), "9999-12-31T23:59:59");
  EXPECT_EQ(castor::io::format_datetime(0.0), "1970-01-01T00:00:00");
  castor::Metadata meta;
  castor::io::set_start_time(meta, 1.0e300, "test date");
  EXPECT_TRUE(meta.start_time.empty());
  ASSERT_EQ(meta.warnings.size(), 1u);
  EXPECT_NE(meta.warnings[0].find("start date not used"), std::string::npos) << meta.warnings[0];
  castor::io::set_start_time(meta, 1.6e9, "test date");
  EXPECT_EQ(meta.start_time, "2020-09-13T12:26:40");
}

// A copy of an .mpr whose log module holds a nonsense acquisition date (1e300 days), written
// to `out`. Module header after "MODULE": 10-byte name, 25-byte long name, length,
// version(, date): 59 bytes in version-3 files, 51 before; the OLE date is at 0x249 of the
// log data. The layout is found by which patch the reader sees. False if neither did.
static bool write_mpr_with_bad_log_date(const std::filesystem::path& in, const std::filesystem::path& out) {
  const auto s = castor::test::file_bytes(in);
  const std::string text(s.begin(), s.end());
  const auto log = text.find("VMP LOG");
  if (log == std::string::npos) return false;
  for (std::size_t header : {59u, 51u}) {
    auto bad = s;
    const std::size_t at = log + header + 0x249;
    if (at + 8 > bad.size()) continue;
    const double huge = 1e300;
    std::memcpy(bad.data() + at, &huge, 8);
    castor::test::write_bytes(out, bad, bad.size());
    if (castor::io::read_table(out).meta.start_time.empty()) return true;
  }
  return false;
}

// The same class in a real reader: an .mpr whose log module holds a nonsense acquisition date
// is read, with no start time and a warning, instead of a made-up date.
TEST(FuzzFindings, MprLogDateOutOfRange) {
  const auto intact = castor::io::read_table(data_file("cycler/cellpy/biol.mpr"));
  ASSERT_FALSE(intact.meta.start_time.empty());
  const auto p = castor::test::scratch_dir("fuzz_mpr_date") / "bad_date.mpr";
  ASSERT_TRUE(write_mpr_with_bad_log_date(data_file("cycler/cellpy/biol.mpr"), p));
  const auto t = castor::io::read_table(p);
  bool warned = false;
  for (const auto& w : t.meta.warnings) warned |= w.find("start date not used") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_EQ(t.rows(), intact.rows());
}

// Every input kept under tests/data/fuzz: a table or a castor::Error, in bounded time.
TEST(FuzzFindings, KeptInputs) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(castor::test::fixture_file("fuzz"))) {
    const auto p = entry.path();
    if (p.extension() == ".md") continue;
    ++n;
    const auto t0 = std::chrono::steady_clock::now();
    const std::string name = p.filename().string();
    try {
      if (name.starts_with("strings-")) {
        // As fuzz_strings does: the first byte picks the language.
        const auto bytes = castor::test::file_bytes(p);
        ASSERT_FALSE(bytes.empty());
        const std::string text(bytes.begin() + 1, bytes.end());
        switch (bytes[0] % 4) {
          case 0:
            (void)castor::eis::Circuit(text);
            break;
          case 1:
            (void)castor::chem::parse_formula(text);
            break;
          case 2:
            (void)castor::sim::parse_protocol(text);
            break;
          default:
            (void)castor::sim::parse_parameters(text, "fuzz.toml");
            break;
        }
      } else {
        try {
          (void)castor::io::read_table(p);
        } catch (const castor::Error& e) {
          EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
        }
      }
    } catch (const castor::Error&) {
      // refused: what a bad input must give
    }
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0) << p;
  }
  EXPECT_GE(n, 3u);
}

// The reader's warnings through castor cv: printed beside the peaks, an error with --strict.
TEST(FuzzFindings, CvPrintsFileWarningsAndStrictRefuses) {
  const auto dir = castor::test::scratch_dir("cv_strict");
  const auto p = dir / "bad_date.mpr";
  ASSERT_TRUE(write_mpr_with_bad_log_date(data_file("cycler/yadg/cv.mpr"), p));
  auto run = [&](const std::string& extra) {
    const std::string cmd = std::string(CASTOR_CLI) + " cv '" + p.string() + "'" + extra + " > '" + (dir / "out.txt").string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run(""), 0);
  auto out = castor::test::file_bytes(dir / "out.txt");
  EXPECT_NE(std::string(out.begin(), out.end()).find("WARNING: start date not used"), std::string::npos);
  EXPECT_EQ(run(" --strict"), 2);
  out = castor::test::file_bytes(dir / "out.txt");
  EXPECT_NE(std::string(out.begin(), out.end()).find("--strict: start date not used"), std::string::npos)
      << std::string(out.begin(), out.end());
}
