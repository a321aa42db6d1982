// Gamry PWR800 cyclic charge-discharge: the per-half-cycle CAPACITYCURVE table is read as a
// half-cycle table and castor cycling reports its capacities and CE per cycle.
#include <gtest/gtest.h>

#include <string>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/cycling.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::test::fixture_file;

TEST(GamryCapacityCurve, ReadAsHalfCycles) {
  const auto t = castor::io::read_table(fixture_file("gamry-parser/ccd_data.dta"));
  EXPECT_EQ(t.meta.layout, castor::TableLayout::half_cycles);
  EXPECT_EQ(t.rows(), 100u);
  EXPECT_NE(t.meta.technique.find("PWR800_CYCLICCHARGEDISCHARGE"), std::string::npos) << t.meta.technique;
  EXPECT_NEAR(t.values(castor::col::half_cycle_capacity_mAh)[0], 4362.108 / 3.6, 1e-9);
  EXPECT_EQ(t.values(castor::col::half_cycle_direction)[1], -1.0);
  EXPECT_TRUE(t.meta.warnings.empty());
}

TEST(GamryCapacityCurve, CyclingPerFileCycle) {
  const auto r = castor::cycling::analyse_cycling(castor::io::read_table(fixture_file("gamry-parser/ccd_data.dta")));
  ASSERT_EQ(r.cycles.size(), 50u);
  EXPECT_EQ(r.half_cycles.size(), 100u);
  EXPECT_NEAR(r.cycles[0].charge_mAh, 1211.697, 1e-3);
  EXPECT_NEAR(r.cycles[0].discharge_mAh, 1114.963, 1e-3);
  EXPECT_NEAR(100 * r.cycles[0].coulombic_efficiency, 92.017, 1e-3);
  EXPECT_NEAR(100 * r.cycles[49].coulombic_efficiency, 100 * 3114.31 / 3193.252, 1e-9);
  EXPECT_EQ(r.cycles[49].file_cycle, 50);
  // The mean current of a half cycle is its charge over its duration: 1.25 A set.
  EXPECT_NEAR(r.half_cycles[0].current_A, 4362.108 / 3492.657, 1e-9);
  EXPECT_TRUE(r.steps.empty());
}

// Damaged or unknown contents are errors with the line, never silent.
TEST(GamryCapacityCurve, BadRowsAreRefused) {
  const auto dir = castor::test::scratch_dir("gamry_ccd");
  const auto bytes = castor::test::file_bytes(fixture_file("gamry-parser/ccd_data.dta"));
  const std::string text(bytes.begin(), bytes.end());
  auto expect_error = [&](std::string edited, const std::string& what) {
    const auto p = dir / "bad.dta";
    castor::test::write_bytes(p, std::vector<std::uint8_t>(edited.begin(), edited.end()), edited.size());
    try {
      (void)castor::io::read_table(p);
      FAIL() << what;
    } catch (const castor::Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  std::string s = text;
  s.replace(s.find("\t2\t6701\t1\t"), 10, "\t2\t6701\t7\t");
  expect_error(s, "Type 7");
  s = text;
  s.replace(s.find("4013.866"), 8, "4013,866");
  expect_error(s, "not a number");
  s = text;
  s.replace(s.find("\tC\ts\tV"), 6, "\tmAh\ts\tV");
  expect_error(s, "castor reads C");
  // Cut inside the last row.
  expect_error(text.substr(0, text.find("\t100\t284885") + 20), "fields");
}

// A Gamry impedance file given to a cycler command says what it is.
TEST(GamryCapacityCurve, ImpedanceFileNamedAsSuch) {
  try {
    (void)castor::io::read_table(castor::test::data_file("echem/impedance.py/exampleDataGamry.DTA"));
    FAIL();
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("read it with castor eis"), std::string::npos) << e.what();
  }
}
