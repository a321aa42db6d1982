// Maccor text exports (SOURCES.md §6): beep and cellpy row counts [asserted].
#include <gtest/gtest.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/io/maccor_txt.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::test::data_file;
namespace col = castor::col;

TEST(MaccorTxt, HeaderVariantsAndRowCounts) {
  struct Case {
    const char* file;
    std::size_t rows;
  };
  for (const Case& c :
       {Case{"cycler/beep/xTESLADIAG_000019_CH70.070", 11669}, Case{"cycler/beep/PredictionDiagnostics_000151_test.052", 333},
        Case{"cycler/beep/maccor_test_file_4267-66-6519.041", 74}, Case{"cycler/cellpy/maccor_001.txt", 6704}}) {
    const castor::Table t = castor::io::read_table(data_file(c.file));
    EXPECT_EQ(t.meta.format, "maccor-txt") << c.file;
    EXPECT_EQ(t.rows(), c.rows) << c.file;
    EXPECT_TRUE(t.has(col::time_s) && t.has(col::voltage_V) && t.has(col::current_A)) << c.file;
  }
}

TEST(MaccorTxt, SignedCurrentAndDurations) {
  const castor::Table t = castor::io::read_maccor_txt(data_file("cycler/beep/xTESLADIAG_000019_CH70.070"));
  const auto& v = t.values(col::voltage_V);
  const auto& i = t.values(col::current_A);
  EXPECT_NEAR(v.front(), 3.45845731, 1e-8);
  // Charging rows are positive and discharging rows negative.
  const auto* state = t.find_text("State");
  ASSERT_NE(state, nullptr);
  for (std::size_t r = 0; r < t.rows(); ++r) {
    if (state->values[r] == "C") {
      ASSERT_GE(i[r], 0) << r;
    }
    if (state->values[r] == "D") {
      ASSERT_LE(i[r], 0) << r;
    }
  }
  // "0d 00:00:00.0000" durations are read as seconds.
  const castor::Table d = castor::io::read_maccor_txt(data_file("cycler/beep/maccor_test_file_4267-66-6519.041"));
  EXPECT_EQ(d.values(col::time_s).front(), 0.0);
  EXPECT_NEAR(d.values(col::time_s).back(), 10.0, 1e-3);
}

TEST(MaccorTxt, WrongFileIsAnError) { EXPECT_THROW((void)castor::io::read_maccor_txt(data_file("cycler/yadg/cv.mpt")), castor::Error); }
