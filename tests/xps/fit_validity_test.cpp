// XPS fits say when they cannot be trusted (issue 15, item 7): a background above the data,
// a width on its bound (a component the data do not show), no infinite widths.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "castor/core/error.h"
#include "castor/xps/read_xps.h"
#include "castor/xps/xps.h"
#include "test_data.h"

namespace xps = castor::xps;

namespace {
bool warns(const std::vector<std::string>& w, const std::string& what) {
  for (const auto& s : w)
    if (s.find(what) != std::string::npos) return true;
  return false;
}
const xps::Region& block(const std::vector<xps::XpsBlock>& b, const std::string& id) {
  for (const auto& x : b)
    if (x.id == id) return x.region;
  throw std::runtime_error("no block " + id);
}
}  // namespace

TEST(XpsValidity, BackgroundAboveTheDataIsFlagged) {
  const auto blocks = xps::read_xps(castor::test::data_file("materials/xylib/mjr9_59c.vms"));
  // Au 4f block 9: castor's Shirley lies above the data (the case).
  const auto& au = block(blocks, "Au 4f/14");
  EXPECT_TRUE(warns(xps::background_warnings(au, xps::shirley_background(au)), "above the data"));
  // A background built to lie below the low-BE end's level.
  std::vector<double> low(au.counts.size(), 0.0);
  EXPECT_TRUE(warns(xps::background_warnings(au, low), "below the region's lower-end level"));
  // C 1s of the same file: a Shirley that stays under the data passes.
  const auto& c1s = block(blocks, "C 1s/8");
  EXPECT_TRUE(xps::background_warnings(c1s, xps::shirley_background(c1s)).empty());
}

TEST(XpsValidity, AComponentTheDataDoNotShowHitsItsWidthBound) {
  const auto blocks = xps::read_xps(castor::test::data_file("materials/xylib/mjr9_59c.vms"));
  const auto& c1s = block(blocks, "C 1s/8");
  std::vector<xps::Component> comps(2);
  comps[0].name = "C-C", comps[0].position_eV = 284.8, comps[0].area = 300;
  comps[1].name = "ghost", comps[1].position_eV = 275, comps[1].area = 50;
  const auto fit = xps::fit_region(c1s, comps, xps::shirley_background(c1s));
  for (const auto& c : fit.components) {
    EXPECT_TRUE(std::isfinite(c.fwhm_eV));
    EXPECT_GE(c.fwhm_eV, fit.fwhm_min_eV * (1 - 1e-9));
    EXPECT_LE(c.fwhm_eV, fit.fwhm_max_eV * (1 + 1e-9));
  }
  EXPECT_TRUE(warns(fit.warnings, "ghost")) << (fit.warnings.empty() ? "no warning" : fit.warnings.front());
  EXPECT_FALSE(warns(fit.warnings, "C-C"));
}

// --strict turns the fit's warnings into exit status 2 (issue 15, item 8).
TEST(XpsValidity, StrictRefusesWarnedFits) {
  auto run = [](const std::string& args) {
    const int rc = std::system((std::string(CASTOR_CLI) + " " + args + " > /dev/null 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  const std::string vms = castor::test::data_file("materials/xylib/mjr9_59c.vms").string();
  EXPECT_EQ(run("xps fit " + vms + " --block 'Au 4f/14' --peaks 84"), 0);
  EXPECT_EQ(run("xps fit " + vms + " --block 'Au 4f/14' --peaks 84 --strict"), 2);
  const std::string xra = castor::test::data_file("materials/GSAS-II/PBSO4.XRA").string();
  EXPECT_EQ(run("xrd peaks " + xra), 0);
  EXPECT_EQ(run("xrd peaks " + xra + " --strict"), 2);  // a dropped fit is a warning
}

namespace {
// A GL(30) peak of `fwhm` eV at 458.8 eV on 450-468 eV, 0.05 eV steps, over a flat 100 counts.
xps::Region narrow_peak(double fwhm) {
  xps::Region r;
  r.name = "synthetic";
  for (int i = 0; i <= 360; ++i) r.be_eV.push_back(450 + 0.05 * i);
  const auto y = xps::peak_profile(xps::LineShape{}, r.be_eV, 458.8, fwhm, 2000);
  for (std::size_t i = 0; i < y.size(); ++i) r.counts.push_back(100 + y[i]);
  return r;
}
}  // namespace

// Widths are bounded below by the instrument's resolution when it is given (issue 15, item 7).
TEST(XpsValidity, InstrumentResolutionBoundsTheWidth) {
  const auto r = narrow_peak(0.3);
  const std::vector<double> bg(r.counts.size(), 100.0);
  xps::Component c;
  c.name = "Ti4+", c.position_eV = 458.6, c.fwhm_eV = 1.0, c.area = 1500;
  const auto free = xps::fit_region(r, {c}, bg);
  EXPECT_NEAR(free.components[0].fwhm_eV, 0.3, 1e-3);
  EXPECT_TRUE(free.warnings.empty()) << free.warnings.front();
  xps::FitSettings s;
  s.instrument_fwhm_eV = 0.6;
  const auto bounded = xps::fit_region(r, {c}, bg, s);
  EXPECT_DOUBLE_EQ(bounded.fwhm_min_eV, 0.6);
  EXPECT_GE(bounded.components[0].fwhm_eV, 0.6 * (1 - 1e-9));
  EXPECT_TRUE(warns(bounded.warnings, "the instrument's resolution")) << (bounded.warnings.empty() ? "none" : bounded.warnings.front());
  s.instrument_fwhm_eV = -1;
  EXPECT_THROW((void)xps::fit_region(r, {c}, bg, s), castor::Error);
}

// One peak fitted with two components started on it: the fit says the areas are not separable.
TEST(XpsValidity, OnePeakFittedTwiceIsSaid) {
  const auto r = narrow_peak(1.2);
  const std::vector<double> bg(r.counts.size(), 100.0);
  std::vector<xps::Component> c(2);
  c[0].name = "A", c[0].position_eV = 458.8, c[0].fwhm_eV = 1.2, c[0].area = 1000;
  c[1].name = "B", c[1].position_eV = 458.8, c[1].fwhm_eV = 1.2, c[1].area = 1000;
  const auto fit = xps::fit_region(r, c, bg);
  EXPECT_TRUE(warns(fit.warnings, "one peak fitted twice") || warns(fit.warnings, "area went to"))
      << (fit.warnings.empty() ? "none" : fit.warnings.front());
}

// A fit that cannot run says where each peak was when it stopped.
TEST(XpsValidity, AFailedFitSaysWhereThePeaksWent) {
  auto r = narrow_peak(1.2);
  r.counts[100] = std::nan("");
  xps::Component c;
  c.name = "Ti4+", c.position_eV = 458.6, c.fwhm_eV = 1.0, c.area = 1500;
  try {
    (void)xps::fit_region(r, {c}, std::vector<double>(r.counts.size(), 100.0));
    FAIL() << "a fit to NaN counts must fail";
  } catch (const castor::Error& e) {
    EXPECT_NE(std::string(e.what()).find("where the peaks went: Ti4+ 458.60 ->"), std::string::npos) << e.what();
  }
}
