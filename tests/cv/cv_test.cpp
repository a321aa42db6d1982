// Cyclic voltammetry: voltcycle's five-rate Gamry series (SOURCES.md, echem/voltcycle),
// the BioLogic CV at 0.1 mV/s (.mpt and yadg's .mpr of the same run) and yadg's 22-sweep CV.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "castor/core/error.h"
#include "castor/cv/cv.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::test::data_file;
namespace cv = castor::cv;

TEST(Cv, VoltcycleScanRateSeries) {
  std::vector<cv::ScanRatePoint> pts;
  for (int rate : {25, 50, 100, 250, 500}) {
    const auto t =
        castor::io::read_table(data_file(std::string("echem/voltcycle/20mM_DFCA_1M_KOH_") + std::to_string(rate) + "mVs_0.5step.DTA.txt"));
    EXPECT_EQ(t.meta.format, "gamry-dta");
    const auto r = cv::analyse_cv(t);
    ASSERT_EQ(r.sweeps.size(), 2u) << rate;
    EXPECT_NEAR(r.scan_rate_V_s, rate * 1e-3, 0.02 * rate * 1e-3);
    ASSERT_EQ(r.cycles.size(), 1u);
    const auto& c = r.cycles[0];
    ASSERT_TRUE(c.cathodic && c.anodic) << rate;
    // SOURCES.md [computed]: cathodic peaks at -0.937 .. -0.960 V, anodic at -0.893 .. -0.872 V.
    EXPECT_GT(c.cathodic->potential_V, -0.962);
    EXPECT_LT(c.cathodic->potential_V, -0.934);
    EXPECT_GT(c.anodic->potential_V, -0.895);
    EXPECT_LT(c.anodic->potential_V, -0.870);
    EXPECT_LT(c.cathodic->height_A, 0);
    EXPECT_GT(c.anodic->height_A, 0);
    EXPECT_NEAR(c.e_half_V, 0.5 * (c.anodic->potential_V + c.cathodic->potential_V), 1e-12);
    pts.push_back({r.scan_rate_V_s, c.anodic->height_A, c.cathodic->height_A});
  }
  // Diffusion control: log |i_pc| against log v has slope 0.5 (raw extrema give 0.502).
  const auto s = cv::scan_rate_analysis(pts, 1, 1.0, 20e-6);
  ASSERT_TRUE(s.cathodic.has_value());
  EXPECT_NEAR(s.cathodic->slope, 0.5, 0.05);
  EXPECT_GT(s.cathodic->r2, 0.99);
  ASSERT_TRUE(s.anodic.has_value());
  EXPECT_GT(s.anodic->slope, 0.3);
  EXPECT_LT(s.anodic->slope, 0.6);
  ASSERT_TRUE(s.cathodic_D_cm2_s.has_value());
  EXPECT_GT(*s.cathodic_D_cm2_s, 0);
}

TEST(Cv, RandlesSevcikClosedLoop) {
  // Peak currents made with i_p = 0.4463 n F A C sqrt(n F v D / (R T)) give back D.
  const double D = 7.2e-6, n = 1, A = 0.0707, C = 1e-6, T = 298.15, F = 96485.33212, R = 8.314462618;
  std::vector<cv::ScanRatePoint> pts;
  for (double v : {0.01, 0.02, 0.05, 0.1, 0.2}) {
    const double ip = 0.4463 * n * F * A * C * std::sqrt(n * F * v * D / (R * T));
    pts.push_back({v, ip, -ip});
  }
  const auto s = cv::scan_rate_analysis(pts, 1, A, C, T);
  EXPECT_NEAR(s.anodic->slope, 0.5, 1e-12);
  EXPECT_NEAR(*s.anodic_D_cm2_s, D, 1e-12 * D);
  EXPECT_NEAR(*s.cathodic_D_cm2_s, D, 1e-12 * D);
}

TEST(Cv, BiologicFilesGivePeaks) {
  // The 0.1 mV/s oxidative scan (biologic-converter cv.mpt) and yadg's .mpr of the same run.
  const auto a = cv::analyse_cv(castor::io::read_table(data_file("echem/biologic-converter/cv.mpt")));
  const auto b = cv::analyse_cv(castor::io::read_table(data_file("cycler/yadg/cv.mpr")));
  EXPECT_NEAR(a.scan_rate_V_s, 1e-4, 2e-6);
  ASSERT_EQ(a.sweeps.size(), 4u);
  ASSERT_EQ(a.sweeps.size(), b.sweeps.size());
  int peaks = 0;
  for (std::size_t k = 0; k < a.sweeps.size(); ++k) {
    peaks += a.sweeps[k].anodic.has_value() + a.sweeps[k].cathodic.has_value();
    ASSERT_EQ(a.sweeps[k].anodic.has_value(), b.sweeps[k].anodic.has_value());
    if (a.sweeps[k].anodic) {
      EXPECT_NEAR(a.sweeps[k].anodic->potential_V, b.sweeps[k].anodic->potential_V, 1e-6);
    }
  }
  EXPECT_GE(peaks, 2);
  // yadg cv.issue_217: 22 sweeps at 50 mV/s, a redox couple near 0.47 / 0.41 V in every cycle.
  const auto c = cv::analyse_cv(castor::io::read_table(data_file("cycler/yadg/cv.issue_217.mpr")));
  EXPECT_EQ(c.sweeps.size(), 22u);
  EXPECT_NEAR(c.scan_rate_V_s, 0.05, 0.001);
  int both = 0;
  for (const auto& cy : c.cycles) {
    if (!(cy.anodic && cy.cathodic)) continue;
    ++both;
    EXPECT_NEAR(cy.anodic->potential_V, 0.47, 0.02);
    EXPECT_NEAR(cy.cathodic->potential_V, 0.41, 0.02);
    EXPECT_GT(cy.separation_V, 0.03);
  }
  EXPECT_GE(both, 5);
}

TEST(Cv, TooShortIsAnError) {
  castor::Table t;
  t.meta.source_file = "tiny";
  t.add("time_s", "s", "", castor::ColumnRole::Common, {0, 1, 2});
  t.add("voltage_V", "V", "", castor::ColumnRole::Common, {0, 1, 2});
  t.add("current_A", "A", "", castor::ColumnRole::Common, {0, 1, 2});
  EXPECT_THROW((void)cv::analyse_cv(t), castor::Error);
}

TEST(CvCli, TableAndFigure) {
  const auto dir = castor::test::scratch_dir("cv_cli");
  std::string files;
  for (int rate : {25, 100, 500})
    files += " " + data_file(std::string("echem/voltcycle/20mM_DFCA_1M_KOH_") + std::to_string(rate) + "mVs_0.5step.DTA.txt").string();
  const std::string cmd = std::string(CASTOR_CLI) + " cv" + files + " --area-cm2 1 --conc-mM 20 -o " + (dir / "cv.csv").string() +
                          " --plot " + (dir / "cv.png").string() + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_GT(std::filesystem::file_size(dir / "cv.png"), 10000u);
  EXPECT_GT(std::filesystem::file_size(dir / "cv.csv"), 200u);
}
