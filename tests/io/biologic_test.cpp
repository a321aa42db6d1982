// BioLogic .mpr/.mpt readers against the real files in shared/data/cycler (SOURCES.md §1-3).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"
#include "castor/io/biologic_mpr.h"
#include "castor/io/biologic_mpt.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::Table;
using castor::test::data_file;
namespace col = castor::col;

namespace {

// Columns whose name EC-Lab changed between the binary and the export of the same run.
bool renamed_in_mpt(const std::string& name) {
  static const std::set<std::string> known = {
      "P/W", "Energy charge/W.h", "Energy discharge/W.h", "R/Ohm", "|Energy|/W.h", "control/V/mA", "Cs-2/µF-2", "unknown_"};
  return known.count(name) > 0;
}

bool close(double a, double b, double rtol) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::fabs(a - b) <= rtol * std::max(std::fabs(a), std::fabs(b)) + 1e-15;
}

struct Pair {
  const char* stem;
  std::size_t rows;
};

class MprMatchesMpt : public ::testing::TestWithParam<Pair> {};

// yadg test_eclab_consistency [asserted]: each .mpr equals its .mpt export, every column.
TEST_P(MprMatchesMpt, SameRowsAndValues) {
  const auto p = GetParam();
  const std::string stem = std::string("cycler/yadg/") + p.stem;
  const Table mpr = castor::io::read_biologic_mpr(data_file(stem + ".mpr"));
  const Table mpt = castor::io::read_biologic_mpt(data_file(stem + ".mpt"));
  ASSERT_EQ(mpr.rows(), p.rows);
  ASSERT_EQ(mpt.rows(), p.rows);
  std::size_t compared = 0;
  for (const auto& c : mpr.columns()) {
    if (c.role != castor::ColumnRole::Raw) continue;
    const castor::Column* m = mpt.find(c.name);
    if (!m) {
      EXPECT_TRUE(renamed_in_mpt(c.name)) << p.stem << ": mpr column '" << c.name << "' has no counterpart in the .mpt";
      continue;
    }
    ++compared;
    std::size_t bad = 0;
    for (std::size_t i = 0; i < p.rows; ++i)
      if (!close(c.values[i], m->values[i], 1e-7) && bad++ < 3)
        ADD_FAILURE() << p.stem << " column '" << c.name << "' row " << i << ": mpr " << c.values[i] << " mpt " << m->values[i];
    EXPECT_EQ(bad, 0u) << c.name;
  }
  EXPECT_GE(compared, 3u);
  // The common columns agree too.
  for (auto name : {col::time_s, col::voltage_V, col::current_A, col::counter_voltage_V}) {
    const auto* a = mpr.find(name);
    const auto* b = mpt.find(name);
    ASSERT_EQ(a == nullptr, b == nullptr) << name;
    if (!a) continue;
    for (std::size_t i = 0; i < p.rows; ++i) ASSERT_TRUE(close(a->values[i], b->values[i], 1e-6)) << name << " row " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Yadg, MprMatchesMpt,
                         ::testing::Values(Pair{"gcpl.issue_211", 2767}, Pair{"gcpl.issue_149", 132}, Pair{"gcpl.pr_182.1", 2533},
                                           Pair{"cv", 5103}, Pair{"cv.issue_217", 9353}, Pair{"peis", 32},
                                           Pair{"peis.issue_225.with_ece", 32}, Pair{"geis.issue_149", 84}, Pair{"mb.issue_218", 3564},
                                           Pair{"mb.issue_95", 33}, Pair{"ocv", 602}, Pair{"lsv", 1186}, Pair{"cp", 121}, Pair{"wait", 0}),
                         [](const auto& param_info) {
                           std::string s = param_info.param.stem;
                           for (auto& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

// SOURCES.md §1 [verified] values of gcpl.issue_211 (three-electrode, Ece recorded).
TEST(BiologicMpr, Gcpl211GoldValues) {
  const Table t = castor::io::read_biologic_mpr(data_file("cycler/yadg/gcpl.issue_211.mpr"));
  const auto& time = t.values(col::time_s);
  const auto& ewe = t.values(col::voltage_V);
  const auto& ece = t.values(col::counter_voltage_V);
  EXPECT_NEAR(time.front(), 88246.517, 1e-3);
  EXPECT_NEAR(ewe.front(), -0.32233408, 1e-7);
  EXPECT_NEAR(ece.front(), 7.1340543e-4, 1e-10);
  EXPECT_NEAR(ewe.back(), -0.59992009, 1e-7);
  EXPECT_NEAR(ece.back(), 0.020429198, 1e-8);
  EXPECT_NEAR(t.values("Q charge/discharge/mA.h").back(), -0.054082599, 1e-9);
  EXPECT_EQ(t.values("half cycle").back(), 9);
  EXPECT_EQ(t.values(col::cycle).back(), 4);  // EC-Lab's cycle number = half cycle / 2
  std::set<double> ns(t.values(col::step).begin(), t.values(col::step).end());
  EXPECT_EQ(ns, (std::set<double>{1, 2}));
  EXPECT_EQ(t.meta.software_version, "EC-Lab 11.61");
  EXPECT_EQ(t.meta.technique, "Galvanostatic Cycling with Potential Limitation");
  ASSERT_TRUE(t.meta.active_mass_g);
  EXPECT_NEAR(*t.meta.active_mass_g, 0.790e-3, 1e-9);  // .mpt header: 0.790 mg
  EXPECT_EQ(t.meta.start_time.substr(0, 19), "2025-05-28T14:23:16");
}

// galvani cannot read these two (column IDs 441 and 471 above 255).
TEST(BiologicMpr, ColumnIdsAbove255) {
  const Table cv = castor::io::read_biologic_mpr(data_file("cycler/yadg/cv.issue_217.mpr"));
  EXPECT_EQ(cv.rows(), 9353u);
  ASSERT_TRUE(cv.has("<Ece>/V"));
  std::set<double> cycles(cv.values(col::cycle).begin(), cv.values(col::cycle).end());
  EXPECT_EQ(*cycles.begin(), 1);
  EXPECT_EQ(*cycles.rbegin(), 11);
  EXPECT_EQ(static_cast<castor::StepKind>(cv.values(col::step_kind)[100]), castor::StepKind::sweep);
  const Table peis = castor::io::read_biologic_mpr(data_file("cycler/yadg/peis.issue_225.with_ece.mpr"));
  EXPECT_NEAR(peis.values(col::z_re_ohm).front(), 1.2273843, 1e-6);
  EXPECT_EQ(static_cast<castor::StepKind>(peis.values(col::step_kind)[0]), castor::StepKind::impedance);
}

TEST(BiologicMpr, PeisImpedanceColumns) {
  const Table t = castor::io::read_biologic_mpr(data_file("cycler/yadg/peis.mpr"));
  EXPECT_NEAR(t.values(col::freq_Hz).front(), 199998.14, 0.01);
  EXPECT_NEAR(t.values(col::freq_Hz).back(), 1.0000616, 1e-6);
  EXPECT_NEAR(t.values(col::z_re_ohm).front(), 10.512296, 1e-5);
  EXPECT_NEAR(t.values(col::z_neg_im_ohm).front(), 0.73047662, 1e-7);
}

// wait.mpr: a header-only run is an empty table, not an error (SOURCES.md §1).
TEST(BiologicMpr, EmptyRunGivesEmptyTable) {
  const Table t = castor::io::read_biologic_mpr(data_file("cycler/yadg/wait.mpr"));
  EXPECT_EQ(t.rows(), 0u);
  EXPECT_TRUE(t.has("time/s"));
  EXPECT_TRUE(t.has("Ewe/V"));
}

// navani test_mpr_reader [asserted] 46102 rows; galvani [verified] version 3, last Q.
TEST(BiologicMpr, NavaniNaCoO2) {
  const Table t = castor::io::read_biologic_mpr(data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"));
  EXPECT_EQ(t.rows(), 46102u);
  EXPECT_NEAR(t.values("Q charge/discharge/mA.h").back(), -0.8794916, 1e-7);
  const auto s = castor::summarize(t);
  EXPECT_NEAR(*s.voltage_min_V, 1.9999, 1e-4);
  EXPECT_NEAR(*s.voltage_max_V, 3.8001, 1e-4);
  // No current column in this file: current is derived from dq/dt (±88.796 µA).
  EXPECT_NEAR(*s.current_max_A, 88.796e-6, 0.5e-6);
  EXPECT_NEAR(*s.current_min_A, -88.796e-6, 0.5e-6);
  EXPECT_EQ(t.meta.start_time.substr(0, 19), "2020-10-26T12:49:58");
  std::set<double> half(t.values("half cycle").begin(), t.values("half cycle").end());
  EXPECT_EQ(*half.rbegin(), 13);
}

TEST(BiologicMpr, CellpyAndEcLab1150Files) {
  const Table a = castor::io::read_biologic_mpr(data_file("cycler/cellpy/biol.mpr"));
  EXPECT_EQ(a.rows(), 23561u);  // cellpy golden [asserted]
  EXPECT_NEAR(a.values("(Q-Qo)/mA.h").back(), 4.976893, 1e-6);
  const Table b = castor::io::read_biologic_mpr(data_file("cycler/navani/00_test_04_MB_C01.mpr"));
  EXPECT_EQ(b.rows(), 1501u);  // galvani [verified], EC-Lab 11.50 layout
  EXPECT_NEAR(b.values(col::voltage_V)[10], -1.650, 0.01);
}

// Truncated copies of real files: always a castor::Error naming the file, never a crash.
TEST(BiologicMpr, TruncatedFilesGiveClearErrors) {
  const auto dir = castor::test::scratch_dir("mpr_trunc");
  for (const char* name : {"cycler/yadg/gcpl.issue_211.mpr", "cycler/yadg/peis.mpr", "cycler/navani/00_test_04_MB_C01.mpr"}) {
    const auto bytes = castor::test::file_bytes(data_file(name));
    for (double frac : {0.0001, 0.01, 0.1, 0.3, 0.5, 0.9, 0.999}) {
      const auto n = static_cast<std::size_t>(frac * static_cast<double>(bytes.size()));
      const auto p = dir / "cut.mpr";
      castor::test::write_bytes(p, bytes, n);
      try {
        (void)castor::io::read_biologic_mpr(p);
        ADD_FAILURE() << name << " cut at " << n << " bytes was accepted";
      } catch (const castor::Error& e) {
        EXPECT_NE(std::string(e.what()).find("cut.mpr"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("BioLogic .mpr"), std::string::npos) << e.what();
      }
    }
  }
}

TEST(BiologicMpr, CorruptedModuleHeaderIsAnError) {
  auto bytes = castor::test::file_bytes(data_file("cycler/yadg/ocv.mpr"));
  const auto dir = castor::test::scratch_dir("mpr_corrupt");
  auto bad = bytes;
  bad[54] = 'X';  // inside the first "MODULE" magic (bytes 52-57)
  castor::test::write_bytes(dir / "a.mpr", bad, bad.size());
  EXPECT_THROW((void)castor::io::read_biologic_mpr(dir / "a.mpr"), castor::Error);
  bad = bytes;
  bad[0] = 'X';
  castor::test::write_bytes(dir / "b.mpr", bad, bad.size());
  EXPECT_THROW((void)castor::io::read_biologic_mpr(dir / "b.mpr"), castor::Error);
}

// yadg test_eclab_mpt_locale [asserted]: en and de exports give identical data.
TEST(BiologicMpt, DecimalCommaLocale) {
  const Table en = castor::io::read_biologic_mpt(data_file("cycler/yadg/mb.issue_95.mpt"));
  const Table de = castor::io::read_biologic_mpt(data_file("cycler/yadg/mb.issue_95.de.mpt"));
  ASSERT_EQ(en.rows(), 33u);
  ASSERT_EQ(de.rows(), 33u);
  for (const auto& c : en.columns()) {
    const auto* d = de.find(c.name);
    ASSERT_NE(d, nullptr) << c.name;
    for (std::size_t i = 0; i < en.rows(); ++i) EXPECT_TRUE(close(c.values[i], d->values[i], 0)) << c.name;
  }
  EXPECT_NEAR(en.values(col::voltage_V).back(), 2.3260789, 1e-9);
  EXPECT_NEAR(en.values(col::current_A).back(), -64.980278e-3, 1e-10);
}

// PyProBE test_read_and_process_biologic_no_header [asserted].
TEST(BiologicMpt, NoHeaderExport) {
  const Table t = castor::io::read_table(data_file("cycler/PyProBE/Sample_data_biologic_no_header.mpt"));
  ASSERT_EQ(t.rows(), 13u);
  EXPECT_NEAR(t.values(col::time_s).back(), 281792.50213, 1e-5);
  EXPECT_NEAR(t.values(col::voltage_V).back(), 2.9814022, 1e-7);
  EXPECT_EQ(t.values(col::current_A).back(), 0.0);
  EXPECT_NEAR(t.values(col::temperature_C).back(), 24.506462, 1e-6);
  EXPECT_EQ(t.values(col::step).back(), 0);
}

// PyProBE test_read_and_process_biologic [asserted]: BT-Lab export, latin-1 °C header.
TEST(BiologicMpt, BtLabExport) {
  const Table t = castor::io::read_table(data_file("cycler/PyProBE/Sample_data_biologic_CA1.txt"));
  ASSERT_EQ(t.rows(), 1397u);
  EXPECT_NEAR(t.values(col::time_s).back(), 139.524007, 1e-6);
  EXPECT_NEAR(t.values(col::current_A).back(), -0.899826, 1e-6);
  EXPECT_NEAR(t.values(col::voltage_V).back(), 3.4854481, 1e-7);
  EXPECT_NEAR(t.values(col::temperature_C).back(), 23.029291, 1e-6);
  EXPECT_EQ(t.meta.start_time, "2024-05-13T11:19:51.602000");
  const auto& time = t.values(col::time_s);
  for (std::size_t i = 1; i < time.size(); ++i) ASSERT_GE(time[i], time[i - 1]);
}

TEST(BiologicMpt, HeaderlessShortExportAndGoldValues) {
  const Table t = castor::io::read_biologic_mpt(data_file("cycler/yadg/gcpl.pr_182.1.mpt"));
  EXPECT_EQ(t.rows(), 2533u);
  EXPECT_NEAR(t.values("(Q-Qo)/mA.h").back(), -1.0364220, 1e-7);
  EXPECT_EQ(t.values("half cycle").back(), 8);
  const Table o = castor::io::read_biologic_mpt(data_file("cycler/yadg/ocv.mpt"));
  // SOURCES.md writes 35999.99999554; the .mpt's last line reads 3.599999995540908E+004.
  EXPECT_NEAR(o.values(col::time_s).back(), 35999.99995540908, 1e-8);
  EXPECT_NEAR(o.values(col::voltage_V).front(), 0.25594452, 1e-8);
  EXPECT_NEAR(o.values(col::voltage_V).back(), 0.44194466, 1e-8);
}

TEST(BiologicMpt, TruncatedLineIsAnErrorNamingTheLine) {
  const auto bytes = castor::test::file_bytes(data_file("cycler/yadg/cv.mpt"));
  const auto dir = castor::test::scratch_dir("mpt_trunc");
  // Cut just after a tab in the middle of the file: the last row misses fields. (A cut
  // inside the last field of a row cannot be told from a shorter number in text.)
  std::size_t cut = bytes.size() / 2;
  while (bytes[cut] != '\t') ++cut;
  castor::test::write_bytes(dir / "cut.mpt", bytes, cut + 1);
  try {
    (void)castor::io::read_biologic_mpt(dir / "cut.mpt");
    FAIL() << "accepted a file cut inside a line";
  } catch (const castor::Error& e) {
    EXPECT_TRUE(e.line().has_value());
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  castor::test::write_bytes(dir / "head.mpt", bytes, 40);
  EXPECT_THROW((void)castor::io::read_biologic_mpt(dir / "head.mpt"), castor::Error);
}

}  // namespace

// A common column that is a raw column under castor's name is the raw column's storage, not
// a second copy (a cold read pays for every byte it allocates); scaled ones have their own.
TEST(BioLogicMpr, CommonColumnsShareTheRawColumnsTheyRename) {
  const Table t = castor::io::read_biologic_mpr(data_file("cycler/yadg/gcpl.issue_211.mpr"));
  ASSERT_TRUE(t.has(col::voltage_V) && t.has("Ewe/V"));
  EXPECT_TRUE(t.find(col::voltage_V)->values.shares_storage_with(t.find("Ewe/V")->values));
  EXPECT_TRUE(t.find(col::time_s)->values.shares_storage_with(t.find("time/s")->values));
  if (t.has("I/mA")) {
    EXPECT_FALSE(t.find(col::current_A)->values.shares_storage_with(t.find("I/mA")->values));
  }
}
