// XPS fits say when they cannot be trusted (issue 15, item 7): a background above the data,
// a width on its bound (a component the data do not show), no infinite widths.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <string>

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
