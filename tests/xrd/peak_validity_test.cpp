// Degenerate peak fits are recognised (issue 15, item 6): a window of noise gives no peak,
// a real peak passes; Scherrer refuses a peak narrower than the instrument.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "castor/core/error.h"
#include "castor/xrd/pattern.h"
#include "castor/xrd/profile.h"

namespace xrd = castor::xrd;

namespace {
xrd::Pattern pattern(double peak_height) {
  xrd::Pattern p;
  std::mt19937 rng(3);
  for (int i = 0; i <= 2000; ++i) {
    const double tt = 20 + 0.01 * i;
    const double x = (tt - 30) / 0.05;
    const double mean = 200 + peak_height / (1 + x * x);
    std::poisson_distribution<int> noise(mean);
    p.two_theta_deg.push_back(tt);
    p.counts.push_back(noise(rng));
    p.sigma.push_back(std::sqrt(std::max(1.0, mean)));
  }
  p.ka1_Ang = 1.5406;
  return p;
}
}  // namespace

TEST(PeakValidity, NoiseIsNotAPeakButAPeakIs) {
  const auto p = pattern(5000);
  const auto real = xrd::fit_peak(p, 29.5, 30.5);
  EXPECT_FALSE(xrd::peak_degeneracy(real, p)) << *xrd::peak_degeneracy(real, p);
  EXPECT_NEAR(real.position_deg, 30.0, 0.01);
  const auto flat = pattern(0);
  const auto none = xrd::fit_peak(flat, 33.5, 34.5);
  EXPECT_TRUE(xrd::peak_degeneracy(none, flat).has_value())
      << "area " << none.area << " +- " << none.area_error << ", position error " << none.position_error_deg;
}

TEST(PeakValidity, ScherrerNeedsAPeakWiderThanTheInstrument) {
  EXPECT_THROW((void)xrd::scherrer_size_nm(30, 0.05, 1.5406, 0.08), castor::Error);
  EXPECT_GT(xrd::scherrer_size_nm(30, 0.2, 1.5406, 0.08), 0);
}
