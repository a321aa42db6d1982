// BioLogic .mpr metadata as strong as the .mpt export's: the technique by name, the
// technique's own name for the voltage column, the software (BT-Lab vs EC-Lab).
#include <gtest/gtest.h>

#include <cmath>

#include "castor/core/columns.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::test::fixture_file;

TEST(BiologicTechnique, BcdMprNamesLikeItsMpt) {
  const auto mpr = castor::io::read_table(fixture_file("yadg/bcd.issue_241.mpr"));
  const auto mpt = castor::io::read_table(fixture_file("yadg/bcd.issue_241.head.mpt"));
  EXPECT_EQ(mpr.meta.technique, "Battery Capacity Determination");
  EXPECT_EQ(mpr.meta.technique, mpt.meta.technique);
  EXPECT_EQ(mpr.meta.software_version, "BT-Lab 1.79");
  ASSERT_NE(mpr.find("Ecell/V"), nullptr);
  EXPECT_EQ(mpr.find("Ewe/V"), nullptr);
  ASSERT_NE(mpt.find("Ecell/V"), nullptr);
  EXPECT_EQ(mpr.rows(), 2550u);
  ASSERT_EQ(mpt.rows(), 424u);
  // Row by row: the .mpt prints 7 significant digits of the same float32 values.
  for (auto name : {"Ecell/V", "I/mA", "time/s"}) {
    const auto& a = mpr.values(name);
    const auto& b = mpt.values(name);
    for (std::size_t i = 0; i < mpt.rows(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6 * std::fabs(b[i]) + 1e-9) << name << " row " << i;
  }
  EXPECT_EQ(mpr.values(castor::col::voltage_V)[10], mpr.values("Ecell/V")[10]);
}

// An EC-Lab file keeps "EC-Lab" and Ewe/V.
TEST(BiologicTechnique, EcLabStaysEcLab) {
  const auto t = castor::io::read_table(castor::test::data_file("cycler/yadg/gcpl.issue_149.mpr"));
  EXPECT_EQ(t.meta.software_version.rfind("EC-Lab ", 0), 0u) << t.meta.software_version;
  EXPECT_NE(t.find("Ewe/V"), nullptr);
}

// Neware .ndax: the channel from TestInfo.xml into the metadata (issue 13, item 6).
TEST(ReaderMetadata, NdaxChannel) {
  const auto t = castor::io::read_table(castor::test::data_file("cycler/NewareNDA/test_2.ndax"));
  ASSERT_TRUE(t.meta.extra.count("channel"));
  EXPECT_EQ(t.meta.extra.at("channel"), "14-0-55");
  EXPECT_EQ(t.meta.extra.at("comments"), "SC149-15HJ78_2CMC20K_03");
}
