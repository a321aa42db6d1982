// Results as data: report::Report and its writers, and the analyses' to_report.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "castor/core/error.h"
#include "castor/cv/cv_report.h"
#include "castor/gitt/gitt_report.h"
#include "castor/io/read.h"
#include "castor/report/report.h"
#include "test_data.h"

namespace {

using castor::report::Report;
using castor::report::ReportTable;

Report sample() {
  Report r;
  r.analysis = "test";
  r.source = "cell.mpr";
  r.summary = "2 pulses";
  ReportTable t;
  t.name = "pulses";
  t.add_numbers("current", "A", {-1e-3, 2e-3}, "{:.3f}", "I mA", 1e3);
  t.add_numbers("D", "cm2/s", {1e-12, std::numeric_limits<double>::quiet_NaN()}, "{:.2e}");
  t.add_texts("note", {"ok", "a \"quoted\", note"});
  r.tables.push_back(t);
  r.values.push_back({"mean_D", "mean D", 1e-12, "cm2/s", "over 1 pulse"});
  r.warnings.push_back("pulse 2 has no D");
  return r;
}

TEST(Report, TextShowsHeadingsScaledValuesAndWarnings) {
  std::ostringstream out;
  castor::report::write_text(sample(), out);
  const std::string s = out.str();
  EXPECT_NE(s.find("cell.mpr: 2 pulses"), std::string::npos) << s;
  EXPECT_NE(s.find("I mA"), std::string::npos);
  EXPECT_NE(s.find("-1.000"), std::string::npos);  // A shown as mA
  EXPECT_NE(s.find("D cm2/s"), std::string::npos);
  EXPECT_NE(s.find("mean D = 1e-12 cm2/s (over 1 pulse)"), std::string::npos) << s;
  EXPECT_NE(s.find("WARNING: pulse 2 has no D"), std::string::npos);
}

TEST(Report, CsvNamesUnitsKeepsPrecisionAndLeavesNaNEmpty) {
  std::ostringstream out;
  castor::report::write_csv(sample().tables.front(), out);
  EXPECT_EQ(out.str(), "current_A,D_cm2_s,note\n-0.001,1e-12,ok\n0.002,,\"a \"\"quoted\"\", note\"\n");
}

TEST(Report, JsonHoldsValuesTablesAndWarnings) {
  std::ostringstream out;
  castor::report::write_json(sample(), out);
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["analysis"], "test");
  EXPECT_DOUBLE_EQ(j["values"]["mean_D"]["value"].get<double>(), 1e-12);
  EXPECT_EQ(j["values"]["mean_D"]["unit"], "cm2/s");
  EXPECT_EQ(j["tables"]["pulses"]["D"]["unit"], "cm2/s");
  EXPECT_TRUE(j["tables"]["pulses"]["D"]["values"][1].is_null());
  EXPECT_EQ(j["warnings"][0], "pulse 2 has no D");
  EXPECT_TRUE(j.contains("castor"));
}

TEST(Report, ColumnsOfUnequalLengthAreADefectNotATable) {
  ReportTable t;
  t.add_numbers("a", "", {1, 2});
  try {
    t.add_numbers("b", "", {1});
    ADD_FAILURE() << "accepted";
  } catch (const castor::Error& e) {
    EXPECT_EQ(e.kind(), castor::ErrorKind::internal);
  }
}

TEST(Report, WriteFileRefusesAnUnknownExtension) {
  const auto dir = castor::test::scratch_dir("report_ext");
  try {
    castor::report::write_file(sample(), (dir / "out.xlsx").string());
    ADD_FAILURE() << "accepted";
  } catch (const castor::Error& e) {
    EXPECT_EQ(e.kind(), castor::ErrorKind::usage);
  }
}

TEST(GittReport, WindowsParseAndRefuseNonsense) {
  const auto w = castor::gitt::parse_soc_window("charge:0.2-0.8");
  EXPECT_EQ(w.direction, castor::Direction::charge);
  EXPECT_DOUBLE_EQ(w.soc_high, 0.8);
  for (const char* bad : {"charge", "up:0.2-0.8", "charge:0.8-0.2", "charge:a-0.5", "discharge:0.2-1.5"})
    EXPECT_THROW((void)castor::gitt::parse_soc_window(bad), castor::Error) << bad;
}

// A voltammogram with no complete cycle cannot enter the scan-rate analysis: a clear
// error naming the file (the CLI took the first cycle of an empty list).
TEST(CvReport, ScanRatePointNeedsTheCycle) {
  castor::cv::CvRun run;
  run.source = "flat.csv";
  run.result.scan_rate_V_s = 0.05;
  try {
    (void)castor::cv::scan_rate_point(run);
    ADD_FAILURE() << "accepted";
  } catch (const castor::Error& e) {
    EXPECT_EQ(e.file(), "flat.csv");
  }
}

// The real voltcycle CV: the report's tables hold what analyse_cv found.
TEST(CvReport, RealVoltammogramIntoTables) {
  const auto path = castor::test::data_file("echem/voltcycle/20mM_DFCA_1M_KOH_100mVs_0.5step.DTA.txt");
  castor::cv::CvRun run{path.string(), castor::io::read_table(path), {}};
  run.result = castor::cv::analyse_cv(run.table);
  const auto rep = castor::cv::to_report({run}, std::nullopt, {});
  ASSERT_EQ(rep.tables.size(), 2u);
  const auto& cycles = rep.tables.front();
  ASSERT_EQ(cycles.rows(), run.result.cycles.size());
  EXPECT_NEAR(cycles.columns[1].numbers[0], -0.8851, 5e-5);  // Epa V, as examples/cli/cv_scan_rates.out
  EXPECT_EQ(rep.tables.back().name, "peaks");
}

}  // namespace
