#include <gtest/gtest.h>

#include <cmath>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/table.h"

using castor::ColumnRole;
using castor::Table;

TEST(Table, AddFindAndLengthCheck) {
  Table t;
  t.meta.source_file = "x.csv";
  t.add(castor::col::time_s, "s", "t", ColumnRole::Common, {0, 1, 2});
  EXPECT_EQ(t.rows(), 3u);
  EXPECT_TRUE(t.has("time_s"));
  EXPECT_THROW(t.add("v", "V", "v", ColumnRole::Raw, {1, 2}), castor::Error);
  try {
    (void)t.values("voltage_V");
    FAIL();
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.csv"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("voltage_V"), std::string::npos);
  }
}

TEST(Table, SliceAndAppendKeepColumns) {
  Table a;
  a.add("time_s", "s", "t", ColumnRole::Common, {0, 1, 2, 3});
  a.add_text({"state", "state", {"R", "C", "C", "D"}});
  Table s = a.slice(1, 3);
  ASSERT_EQ(s.rows(), 2u);
  EXPECT_EQ(s.values("time_s")[0], 1);
  EXPECT_EQ(s.find_text("state")->values[1], "C");
  Table b;
  b.add("time_s", "s", "t", ColumnRole::Common, {9});
  a.append_rows(b);
  EXPECT_EQ(a.rows(), 5u);
  EXPECT_EQ(a.values("time_s")[4], 9);
  EXPECT_EQ(a.find_text("state")->values[4], "");
}

TEST(Table, SummaryCountsCyclesAndStepRuns) {
  Table t;
  t.add(castor::col::cycle, "", "c", ColumnRole::Common, {1, 1, 1, 2, 2, 2});
  t.add(castor::col::step, "", "s", ColumnRole::Common, {1, 2, 2, 2, 3, 3});
  t.add(castor::col::voltage_V, "V", "v", ColumnRole::Common, {3, NAN, 4, 2, 5, 1});
  const auto s = castor::summarize(t);
  EXPECT_EQ(*s.n_cycles, 2u);
  EXPECT_EQ(*s.n_steps, 4u);  // (1,1) (1,2) (2,2) (2,3)
  EXPECT_EQ(*s.voltage_min_V, 1);
  EXPECT_EQ(*s.voltage_max_V, 5);
}

TEST(Error, MessageNamesFileFormatAndPosition) {
  castor::Error e("a.mpr", "BioLogic .mpr", "bad module");
  e.at_byte(120);
  EXPECT_STREQ(e.what(), "a.mpr (BioLogic .mpr), byte 120: bad module");
}
