// The scan-rate analysis says when Randles-Sevcik does not apply (issue 15, item 5): the
// b-value, Dunn's split of the peak current, the assumptions, and warnings for b far from
// 0.5 or an insertion electrode.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "castor/cv/cv.h"

namespace cv = castor::cv;

namespace {
bool warns(const cv::ScanRateResult& r, const std::string& what) {
  for (const auto& w : r.warnings)
    if (w.find(what) != std::string::npos) return true;
  return false;
}
std::vector<cv::ScanRatePoint> peaks(double k1, double k2) {
  std::vector<cv::ScanRatePoint> pts;
  for (double mv : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0}) {
    const double v = mv * 1e-3;
    pts.push_back({v, k1 * v + k2 * std::sqrt(v), -(k1 * v + k2 * std::sqrt(v))});
  }
  return pts;
}
}  // namespace

TEST(ScanRateValidity, DiffusionLimitedPeaksPass) {
  const auto r = cv::scan_rate_analysis(peaks(0, 1e-4), 1, 1.0, 20e-6);
  ASSERT_TRUE(r.anodic && r.anodic_D_cm2_s);
  EXPECT_NEAR(r.anodic->slope, 0.5, 1e-9);
  EXPECT_FALSE(warns(r, "far from 0.5"));
  ASSERT_TRUE(r.anodic_dunn);
  EXPECT_NEAR(r.anodic_dunn->capacitive_fraction.back(), 0.0, 1e-9);
  EXPECT_NE(r.randles_sevcik_assumptions.find("semi-infinitely"), std::string::npos);
}

TEST(ScanRateValidity, SurfaceDominatedPeaksAreWarnedAndSplit) {
  // k1 v + k2 v^0.5 with the surface part dominant at the fast rates: b between 0.5 and 1.
  const double k1 = 0.02, k2 = 5e-4;
  const auto r = cv::scan_rate_analysis(peaks(k1, k2), 1, 1.0, 20e-6, 298.15, /*insertion=*/true);
  ASSERT_TRUE(r.anodic);
  EXPECT_GT(r.anodic->slope, 0.6);
  EXPECT_TRUE(warns(r, "far from 0.5"));
  EXPECT_TRUE(warns(r, "insertion electrode"));
  ASSERT_TRUE(r.anodic_dunn);
  EXPECT_NEAR(r.anodic_dunn->k1_A_s_V, k1, 1e-9 * k1);  // Dunn's k1, k2 recovered
  EXPECT_NEAR(r.anodic_dunn->k2_A_s05_V05, k2, 1e-9 * k2);
  const double v = 5e-3;
  EXPECT_NEAR(r.anodic_dunn->capacitive_fraction.back(), k1 * v / (k1 * v + k2 * std::sqrt(v)), 1e-9);
}
