#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

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

// Columns share the storage of equal numbers and copy it on the first write.
TEST(ColumnValues, SharedUntilWrittenThenIndependent) {
  castor::ColumnValues a(std::vector<double>{1, 2, 3});
  castor::ColumnValues b = a;
  EXPECT_TRUE(b.shares_storage_with(a));
  const auto& read_only = std::as_const(b);
  EXPECT_EQ(read_only[1], 2.0);  // a const read keeps the sharing
  EXPECT_TRUE(b.shares_storage_with(a));
  b[1] = 20;  // a write: b's own storage first
  EXPECT_FALSE(b.shares_storage_with(a));
  EXPECT_EQ(a[1], 2.0);
  EXPECT_EQ(b[1], 20.0);
  castor::ColumnValues c = a;
  c.push_back(4);
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(c.size(), 4u);
  castor::ColumnValues d = a;
  for (double& x : d) x *= 2;  // non-const iteration writes
  EXPECT_EQ(a, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(d, (std::vector<double>{2, 4, 6}));
  castor::ColumnValues e = a;
  e.insert(e.cend(), std::as_const(a).begin(), std::as_const(a).end());  // from the storage it shared
  EXPECT_EQ(e, (std::vector<double>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(a.size(), 3u);
  castor::ColumnValues f = a;
  std::vector<double> taken = std::move(f).take();  // shared: a copy, a untouched
  EXPECT_EQ(taken, a.get());
  EXPECT_EQ(a.size(), 3u);
}

TEST(Table, SliceOfAllRowsSharesAndAWriteStaysInItsTable) {
  Table a;
  a.add("time/s", "s", "time/s", ColumnRole::Raw, {0, 1, 2, 3});
  a.add(castor::col::time_s, "s", "time/s", ColumnRole::Common, a.find("time/s")->values);
  EXPECT_TRUE(a.find("time_s")->values.shares_storage_with(a.find("time/s")->values));
  Table whole = a.slice(0, 4);
  EXPECT_TRUE(whole.find("time_s")->values.shares_storage_with(a.find("time_s")->values));
  for (double& x : whole.find("time_s")->values) x += 100;  // as a join's time offset
  EXPECT_EQ(whole.values("time_s")[0], 100);
  EXPECT_EQ(whole.values("time/s")[0], 0);
  EXPECT_EQ(a.values("time_s")[0], 0);
  Table appended = a;
  appended.append_rows(a);
  EXPECT_EQ(appended.rows(), 8u);
  EXPECT_EQ(a.values("time_s").size(), 4u);
  EXPECT_EQ(appended.values("time/s")[7], 3);
}
