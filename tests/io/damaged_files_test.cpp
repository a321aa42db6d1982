// Defect classes of issue 13 on files made here from the real ones in ../shared/data:
// damaged binary files (truncated, a duplicated or zeroed block, a zeroed point count) load
// their complete rows with a warning naming the byte offset and the rows expected, never
// short in silence; implausible record dates are dropped with a warning; unread parts of a
// file are listed; Arbin auxiliary channels become columns; capacity columns are mapped;
// implausible masses are flagged.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/cycling/cycling.h"
#include "castor/io/arbin_res.h"
#include "castor/io/biologic_mpr.h"
#include "castor/io/neware.h"
#include "castor/io/read.h"
#include "test_data.h"

namespace fs = std::filesystem;
using castor::test::data_file;
using castor::test::file_bytes;
using castor::test::write_bytes;

namespace {

bool any_contains(const std::vector<std::string>& v, const std::string& what) {
  for (const auto& s : v)
    if (s.find(what) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + " | ";
  return s;
}

fs::path unpack_v22(const fs::path& dir) {
  const std::string cmd = "cd '" + dir.string() + "' && unzip -q -o '" + data_file("cycler/fastnda/nda_v22.nda.zip").string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return dir / "nda_v22.nda";
}

// The byte offset of the first 86-byte data record (0x55 0x00 followed by another).
std::size_t first_record(const std::vector<std::uint8_t>& b) {
  for (std::size_t p = 0; p + 172 < b.size(); ++p)
    if (b[p] == 0x55 && b[p + 1] == 0 && b[p + 86] == 0x55 && b[p + 87] == 0 && b[p + 12] != 0) return p;
  return 0;
}

}  // namespace

TEST(DamagedNda, EndsInsideARecord) {
  const auto dir = castor::test::scratch_dir("nda_cut");
  const auto b = file_bytes(unpack_v22(dir));
  const auto whole = castor::io::read_table(dir / "nda_v22.nda");
  ASSERT_EQ(whole.rows(), 1380u);
  EXPECT_TRUE(whole.meta.warnings.empty()) << joined(whole.meta.warnings);
  write_bytes(dir / "cut.nda", b, b.size() - 40);
  const auto t = castor::io::read_table(dir / "cut.nda");
  EXPECT_LT(t.rows(), 1380u);
  EXPECT_GE(t.rows(), 1378u);
  EXPECT_TRUE(any_contains(t.meta.warnings, "ends inside a record")) << joined(t.meta.warnings);
  EXPECT_TRUE(any_contains(t.meta.warnings, fmt::format("byte {}", b.size() - 40 - 46))) << joined(t.meta.warnings);
}

TEST(DamagedNda, DuplicatedBlockIsResyncedNotDropped) {
  const auto dir = castor::test::scratch_dir("nda_dup");
  auto b = file_bytes(unpack_v22(dir));
  const std::size_t start = first_record(b);
  // A block of 1000 bytes (not a whole number of records) written twice, mid-file.
  const std::size_t at = start + 86 * 400 + 30;
  std::vector<std::uint8_t> d(b.begin(), b.begin() + static_cast<long>(at + 1000));
  d.insert(d.end(), b.begin() + static_cast<long>(at), b.end());
  write_bytes(dir / "dup.nda", d, d.size());
  const auto t = castor::io::read_table(dir / "dup.nda");
  EXPECT_GE(t.rows(), 1370u);  // the 84-of-6670 defect: everything after the block was lost
  EXPECT_TRUE(any_contains(t.meta.warnings, "record sequence broken at byte")) << joined(t.meta.warnings);
}

TEST(DamagedNda, ZeroedRecordsAreCountedAsMissing) {
  const auto dir = castor::test::scratch_dir("nda_zero");
  auto b = file_bytes(unpack_v22(dir));
  const std::size_t start = first_record(b);
  // Zero three whole records in the middle.
  std::size_t zeroed = 0;
  for (std::size_t p = start + 86 * 700; zeroed < 3; p += 86)
    if (b[p] == 0x55) std::memset(&b[p], 0, 86), ++zeroed;
  write_bytes(dir / "zero.nda", b, b.size());
  const auto t = castor::io::read_table(dir / "zero.nda");
  EXPECT_EQ(t.rows(), 1377u);
  EXPECT_TRUE(any_contains(t.meta.warnings, "3 records missing")) << joined(t.meta.warnings);
}

TEST(DamagedNda, NonsenseDatesAreDroppedWithAWarning) {
  const auto dir = castor::test::scratch_dir("nda_dates");
  auto b = file_bytes(unpack_v22(dir));
  const std::size_t start = first_record(b);
  for (std::size_t p = start; p + 86 <= b.size(); p += 86)
    if (b[p] == 0x55) std::memset(&b[p + 70], 0xFF, 6);  // a date in the year 429467514
  write_bytes(dir / "dates.nda", b, b.size());
  const auto t = castor::io::read_table(dir / "dates.nda");
  EXPECT_EQ(t.rows(), 1380u);
  EXPECT_TRUE(t.meta.start_time.empty()) << t.meta.start_time;
  EXPECT_TRUE(std::isnan(t.values("Timestamp").front()));
  EXPECT_TRUE(any_contains(t.meta.warnings, "record dates not decoded")) << joined(t.meta.warnings);
  // The values themselves are untouched.
  const auto whole = castor::io::read_table(dir / "nda_v22.nda");
  EXPECT_EQ(t.values("voltage_V"), whole.values("voltage_V"));
  EXPECT_EQ(whole.meta.start_time, "2015-10-14T03:28:30");
}

TEST(DamagedNdax, DataCutAtAPageBoundary) {
  const auto dir = castor::test::scratch_dir("ndax_cut");
  const auto src = data_file("cycler/fastnda/nw4-120-1-6-53.ndax");
  const std::string unpack = "cd '" + dir.string() + "' && mkdir -p x && cd x && unzip -q -o '" + src.string() + "'";
  ASSERT_EQ(std::system(unpack.c_str()), 0);
  const auto ndc = dir / "x" / "data.ndc";
  const auto size = fs::file_size(ndc);
  fs::resize_file(ndc, (size / 4096 / 2) * 4096);  // half its pages: every page still whole
  const std::string pack = "cd '" + (dir / "x").string() + "' && zip -q -r ../cut.ndax .";
  ASSERT_EQ(std::system(pack.c_str()), 0) << "zip is needed (scripts/deps.txt)";
  const auto whole = castor::io::read_table(src);
  EXPECT_TRUE(whole.meta.warnings.empty()) << joined(whole.meta.warnings);
  const auto t = castor::io::read_table(dir / "cut.ndax");
  EXPECT_LT(t.rows(), whole.rows());
  EXPECT_TRUE(any_contains(t.meta.warnings, "the data are truncated")) << joined(t.meta.warnings);
  EXPECT_TRUE(any_contains(t.meta.warnings, fmt::format("holds {} points", t.rows()))) << joined(t.meta.warnings);
  EXPECT_TRUE(any_contains(t.meta.not_read, "data_log.ndc")) << joined(t.meta.not_read);
}

// The tables are decoded as they are inflated, a chunk at a time: damage far inside one
// (past its first chunks) must still make the read fail, naming the file and the entry,
// never return the rows decoded so far.
TEST(DamagedNdax, DamageDeepInsideATableIsAnError) {
  const auto dir = castor::test::scratch_dir("ndax_damaged");
  auto b = file_bytes(data_file("cycler/NewareNDA/test_2.ndax"));
  const std::string name = "data_runInfo.ndc";
  const auto at = std::search(b.begin(), b.end(), name.begin(), name.end());
  ASSERT_NE(at, b.end());
  const std::size_t start = static_cast<std::size_t>(at - b.begin()) + name.size();
  ASSERT_GT(b.size(), start + 600000);
  for (std::size_t k = 0; k < 256; ++k) b[start + 500000 + k] ^= 0x5a;  // ~2/3 into its 791 kB of deflate
  const auto bad = dir / "damaged.ndax";
  write_bytes(bad, b, b.size());
  try {
    castor::io::read_table(bad);
    ADD_FAILURE() << "a damaged table was read";
  } catch (const castor::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(bad.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("data_runInfo.ndc"), std::string::npos) << msg;
  }
}

TEST(DamagedMpr, ZeroedPointCountIsReported) {
  const auto dir = castor::test::scratch_dir("mpr_zero");
  auto b = file_bytes(data_file("cycler/yadg/cp.mpr"));
  const auto whole = castor::io::read_biologic_mpr(b, "cp.mpr");
  ASSERT_GT(whole.rows(), 10u);
  EXPECT_TRUE(whole.meta.warnings.empty()) << joined(whole.meta.warnings);
  // The data module's first u32 is its point count.
  const std::string s(b.begin(), b.end());
  const auto mod = s.find("VMP data");
  ASSERT_NE(mod, std::string::npos);
  std::size_t count_at = 0;
  for (std::size_t k : {mod - 6 + 6 + 59, mod - 6 + 6 + 51}) {
    std::uint32_t n = 0;
    std::memcpy(&n, &b[k], 4);
    if (n == whole.rows()) count_at = k;
  }
  ASSERT_GT(count_at, 0u);
  std::memset(&b[count_at], 0, 4);
  const auto t = castor::io::read_biologic_mpr(b, "zero.mpr");
  EXPECT_EQ(t.rows(), 0u);
  EXPECT_TRUE(any_contains(t.meta.warnings, fmt::format("declares 0 points but holds bytes for {} records", whole.rows())))
      << joined(t.meta.warnings);
}

TEST(DamagedArbin, CutFilesLoadShortWithAWarningOrFail) {
  const auto dir = castor::test::scratch_dir("arbin_cut");
  const auto b = file_bytes(data_file("cycler/navani/arbin_example.res"));
  write_bytes(dir / "cut90.res", b, b.size() * 9 / 10 / 4096 * 4096);
  const auto t = castor::io::read_table(dir / "cut90.res");
  EXPECT_LT(t.rows(), 2150u);
  EXPECT_TRUE(any_contains(t.meta.warnings, "declares 2150 rows")) << joined(t.meta.warnings);
  write_bytes(dir / "cut50.res", b, b.size() / 2 / 4096 * 4096);
  EXPECT_THROW((void)castor::io::read_table(dir / "cut50.res"), castor::Error);
  const auto whole = castor::io::read_table(data_file("cycler/navani/arbin_example.res"));
  EXPECT_TRUE(whole.meta.warnings.empty()) << joined(whole.meta.warnings);
  EXPECT_TRUE(any_contains(whole.meta.not_read, "Event_Table (2 rows)")) << joined(whole.meta.not_read);
}

TEST(ArbinAux, AuxiliaryRowsBecomeColumns) {
  auto t = castor::io::read_table(data_file("cycler/navani/arbin_example.res"));
  const auto& dp = t.values("Data_Point");
  const double tid = t.values("Test_ID").front();
  std::vector<castor::io::ArbinAuxRow> rows;
  for (std::size_t r = 0; r < 5; ++r) {
    rows.push_back({tid, dp[r], 3, 0, 3.5 + 0.01 * static_cast<double>(r)});  // aux voltage 3
    rows.push_back({tid, dp[r], 0, 1, 25.0 + static_cast<double>(r)});        // aux temperature 0
  }
  rows.push_back({tid, 1e9, 0, 1, 99});  // matches no data point
  castor::io::add_arbin_aux_columns(t, rows);
  ASSERT_TRUE(t.has("aux_voltage_3_V"));
  ASSERT_TRUE(t.has("aux_temperature_0_C"));
  EXPECT_DOUBLE_EQ(t.values("aux_voltage_3_V")[2], 3.52);
  EXPECT_DOUBLE_EQ(t.values("temperature_C")[4], 29.0);
  EXPECT_TRUE(std::isnan(t.values("aux_voltage_3_V")[10]));
  EXPECT_TRUE(any_contains(t.meta.warnings, "1 auxiliary values match no data point")) << joined(t.meta.warnings);
}

TEST(CommonColumns, BiologicAndMaccorCapacities) {
  const auto b = castor::io::read_table(data_file("cycler/PyProBE/Sample_data_biologic_CA1.txt"));
  ASSERT_TRUE(b.has("charge_capacity_mAh") && b.has("discharge_capacity_mAh") && b.has("charge_passed_mAh"));
  EXPECT_EQ(b.values("charge_capacity_mAh"), b.values("Q charge/mA.h"));
  EXPECT_EQ(b.values("discharge_capacity_mAh"), b.values("Q discharge/mA.h"));
  EXPECT_NEAR(b.values("charge_energy_mWh").back(), 1e3 * b.values("Energy charge/W.h").back(), 1e-9);
  // PyProBE's asserted last row: Capacity -0.03237135133365209 Ah = (Q-Qo).
  EXPECT_NEAR(b.values("charge_passed_mAh").back(), -32.37135133365209, 1e-9);
  const auto m = castor::io::read_table(data_file("cycler/cellpy/maccor_001.txt"));
  ASSERT_TRUE(m.has("charge_capacity_mAh") && m.has("discharge_capacity_mAh"));
  const auto& ah = m.values("Amp-hr");
  const auto& q = m.values("discharge_capacity_mAh");
  const auto& qc = m.values("charge_capacity_mAh");
  const auto* state = m.find_text("State");
  ASSERT_TRUE(state);
  for (std::size_t i = 0; i < m.rows(); ++i) {
    if (state->values[i] == "D") {
      ASSERT_DOUBLE_EQ(q[i], 1e3 * ah[i]) << i;
    }
    if (state->values[i] == "C") {
      ASSERT_DOUBLE_EQ(qc[i], 1e3 * ah[i]) << i;
    }
  }
  EXPECT_EQ(m.meta.extra.at("channel"), "1");
}

TEST(ActiveMass, PlaceholderAndImplausibleMassesAreFlagged) {
  using castor::cycling::ActiveMass;
  EXPECT_TRUE(any_contains(castor::cycling::mass_warnings(ActiveMass{1e-6, "0.001 mg from the file"}, 5e-3), "placeholder"));
  EXPECT_TRUE(any_contains(castor::cycling::mass_warnings(ActiveMass{7.0, "7000 mg from the header"}, 1.0), "0.1429 mAh/g"));
  EXPECT_TRUE(castor::cycling::mass_warnings(ActiveMass{7e-3, "7 mg given"}, 1.0).empty());
  // Through the analysis: the warning names the mass used and its source.
  castor::cycling::CyclingOptions o;
  o.mass = ActiveMass::given_mg(7000);
  const auto r = castor::cycling::analyse_cycling(castor::io::read_table(data_file("cycler/NewareNDA/test_2.ndax")), o);
  EXPECT_TRUE(any_contains(r.warnings, "7000 mg")) << joined(r.warnings);
}
