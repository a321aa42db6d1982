// Arbin .res reader (libmdb) against cellpy's goldens and datalab's CSV conversion
// (SOURCES.md §4).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/io/arbin_res.h"
#include "castor/io/read.h"
#include "castor/io/detail/text.h"
#include "test_data.h"

using castor::Table;
using castor::test::data_file;
namespace col = castor::col;

// cellpy goldens [asserted]: 10261 rows x 18 raw columns, 18 cycles, 103 steps.
TEST(ArbinRes, CellpyGoldens) {
  const Table t = castor::io::read_table(data_file("cycler/cellpy/20160805_test001_45_cc_01.res"));
  EXPECT_EQ(t.meta.format, "arbin-res");
  EXPECT_EQ(t.rows(), 10261u);
  std::size_t raw = 0;
  for (const auto& c : t.columns()) raw += c.role == castor::ColumnRole::Raw;
  EXPECT_EQ(raw, 18u);
  const auto s = castor::summarize(t);
  EXPECT_EQ(*s.n_cycles, 18u);
  EXPECT_EQ(*s.n_steps, 103u);
  // Rows come in measurement order.
  const auto& dp = t.values("Data_Point");
  for (std::size_t i = 1; i < t.rows(); ++i) ASSERT_LT(dp[i - 1], dp[i]);
}

// datalab's arbin_example.bdf.csv is a conversion of navani's arbin_example.res: equal
// row by row in time, voltage and current.
TEST(ArbinRes, NavaniFileMatchesDatalabCsvRowByRow) {
  const Table t = castor::io::read_arbin_res(data_file("cycler/navani/arbin_example.res"));
  ASSERT_EQ(t.rows(), 2150u);
  std::ifstream in(data_file("cycler/datalab/arbin_example.bdf.csv"));
  std::string line;
  std::getline(in, line);
  const auto& time = t.values(col::time_s);
  const auto& v = t.values(col::voltage_V);
  const auto& i = t.values(col::current_A);
  const auto& cyc = t.values(col::cycle);
  std::size_t row = 0;
  while (std::getline(in, line) && row < t.rows()) {
    const auto f = castor::io::split(line, ',');
    ASSERT_NEAR(time[row], *castor::io::parse_double(f[1]), 1e-9 * std::max(1.0, time[row])) << row;
    ASSERT_NEAR(v[row], *castor::io::parse_double(f[8]), 1e-7) << row;
    ASSERT_NEAR(i[row], *castor::io::parse_double(f[7]), 1e-9) << row;
    ASSERT_EQ(cyc[row], *castor::io::parse_double(f[5])) << row;
    ++row;
  }
  EXPECT_EQ(row, 2150u);
  EXPECT_NEAR(time.back(), 345733.3894574374, 1e-9);
  EXPECT_NEAR(v.back(), 3.872108, 1e-7);
}

TEST(ArbinRes, TruncatedDatabaseIsAnError) {
  const auto bytes = castor::test::file_bytes(data_file("cycler/navani/arbin_example.res"));
  const auto dir = castor::test::scratch_dir("arbin_cut");
  for (std::size_t n : {std::size_t{100}, std::size_t{4096}, bytes.size() / 3}) {
    castor::test::write_bytes(dir / "cut.res", bytes, n);
    EXPECT_THROW((void)castor::io::read_arbin_res(dir / "cut.res"), castor::Error) << n;
  }
}
