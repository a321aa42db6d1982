// Every figure castor draws is rendered and looked at: the PNG is decoded and must hold a
// plot (ink beyond the background, several colours) with the data's colour in it; PDF and
// SVG come out as such; the style options change the image. Issue 14.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "castor/core/error.h"
#include "castor/report/gnuplot.h"
#include "castor/report/style.h"
#include "png_image.h"
#include "test_data.h"

using castor::test::data_file;

namespace {

int run(const std::string& args) {
  const std::string cmd = std::string(CASTOR_CLI) + " " + args + " > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A plot: more than 3 % of the pixels are not background, in more than 8 colours, and the
// style's first data colour (#0072b2) draws at least `data_pixels` of them.
void expect_plot(const std::filesystem::path& png, std::size_t data_pixels = 200) {
  ASSERT_TRUE(std::filesystem::exists(png)) << png;
  const auto img = castor::test::read_png(png);
  EXPECT_GT(img.width, 300u) << png;
  EXPECT_GT(img.ink_fraction(), 0.03) << png;
  EXPECT_GT(img.colours(), 8u) << png;
  if (data_pixels) {
    EXPECT_GE(img.count(0x0072b2), data_pixels) << png;
  }
}

}  // namespace

TEST(FiguresRender, EveryCyclingFigure) {
  const auto dir = castor::test::scratch_dir("figures_render_cycling");
  const std::string nav = data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr").string();
  const std::string rate = data_file("cycler/NewareNDA/test_2.ndax").string();
  const std::string arbin = data_file("cycler/navani/arbin_example.res").string();
  for (const char* what : {"profile", "dqdv", "capacity"}) {
    const auto png = dir / (std::string(what) + ".png");
    ASSERT_EQ(run(std::string("plot ") + what + " " + nav + " --mass-mg 7 --cycle 1 2 -o " + png.string()), 0) << what;
    expect_plot(png);
  }
  ASSERT_EQ(run("plot rate " + rate + " -o " + (dir / "rate.png").string()), 0);
  expect_plot(dir / "rate.png", 0);
  // 54 cycles: coloured on a map with a colour bar, not 8 repeating colours.
  ASSERT_EQ(run("plot profile " + rate + " -o " + (dir / "map.png").string()), 0);
  const auto map = castor::test::read_png(dir / "map.png");
  EXPECT_GT(map.colours(), 60u);
  EXPECT_EQ(map.count(0x0072b2), 0u);  // no curve in the first fixed colour
  // The comparison map.
  {
    std::ofstream lit(dir / "lit.csv");
    lit << "material,hysteresis_V,flatness_mV_per_mAh_g,source\nA,0.5,12,test\n";
  }
  ASSERT_EQ(run("compare " + nav + " --mass-mg 7 --literature " + (dir / "lit.csv").string() + " --plot " + (dir / "map.png").string()), 0);
  expect_plot(dir / "map.png", 50);
  // A simulated table and a measured file on one profile.
  ASSERT_EQ(run("simulate ntp-ca --protocol 'Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.6 V' --quiet -o " +
                (dir / "sim.csv").string()),
            0);
  ASSERT_EQ(run("plot profile " + (dir / "sim.csv").string() + " " + nav + " --mass-mg 1.3673 -o " + (dir / "sim.png").string()), 0);
  const auto sim = castor::test::read_png(dir / "sim.png");
  EXPECT_GT(sim.count(0x0072b2), 30u);   // the simulation (a short curve at this scale)
  EXPECT_GT(sim.count(0xd55e00), 100u);  // the measured cell
  // Two cells on one figure, each in its own colour.
  ASSERT_EQ(run("plot capacity " + nav + " " + arbin + " -o " + (dir / "two.png").string()), 0);
  const auto two = castor::test::read_png(dir / "two.png");
  EXPECT_GT(two.count(0x0072b2), 100u);
  EXPECT_GT(two.count(0xd55e00), 100u);
}

TEST(FiguresRender, OtherDomains) {
  const auto dir = castor::test::scratch_dir("figures_render_domains");
  const std::string eis = data_file("echem/impedance.py/exampleData.csv").string();
  ASSERT_EQ(run("eis fit " + eis + " --capacitive-only --circuit 'R0-p(R1,C1)-p(R2-Wo1,C2)' --plot " + (dir / "fit.png").string()), 0);
  expect_plot(dir / "fit.png", 0);
  ASSERT_EQ(run("eis kk " + data_file("echem/impedance.py/Circuit3_EIS_1.z").string() + " --plot " + (dir / "kk.png").string()), 0);
  expect_plot(dir / "kk.png", 0);
  ASSERT_EQ(run("eis drt " + eis + " --plot " + (dir / "drt.png").string()), 0);
  expect_plot(dir / "drt.png", 0);
  std::string cv;
  for (int rate : {25, 100})
    cv += " " + data_file("echem/voltcycle/20mM_DFCA_1M_KOH_" + std::to_string(rate) + "mVs_0.5step.DTA.txt").string();
  ASSERT_EQ(run("cv" + cv + " --plot " + (dir / "cv.png").string()), 0);
  expect_plot(dir / "cv.png", 0);
  ASSERT_EQ(run("xps fit " + data_file("materials/LG4X/Mutlipak_vms.npl").string() +
                " --block 'Mo 3d' --peaks 228.5 229.5 --doublet 3.15 --ratio 0.667 --common-width --plot " + (dir / "xps.png").string()),
            0);
  expect_plot(dir / "xps.png", 0);
  ASSERT_EQ(
      run("xrd peaks " + data_file("materials/xylib/empyrean.xrdml").string() + " --max-peaks 5 --plot " + (dir / "xrd.png").string()), 0);
  expect_plot(dir / "xrd.png", 0);
}

TEST(FiguresRender, GittAndEds) {
  const auto dir = castor::test::scratch_dir("figures_render_gitt_eds");
  const auto gitt = (dir / "gitt.csv").string();
  ASSERT_EQ(run("simulate ntp-ca --protocol '(Discharge at 5 mA/g for 30 minutes; Rest for 10 minutes) x 8' --quiet -o " + gitt), 0);
  ASSERT_EQ(run("gitt " + gitt + " --mass-mg 1.3673 --formula 'NaTi2(PO4)3' --ion Ca --radius-nm 25 --plot " + (dir / "gitt.png").string()),
            0);
  expect_plot(dir / "gitt.png", 0);
  // An EDS spectrum: Gaussian lines of Na Ka, P Ka, Ti Ka on a sloping background, 10 eV channels.
  {
    std::ofstream f(dir / "eds.txt");
    for (int k = 10; k < 1000; ++k) {
      const double e = 0.01 * k;
      auto g = [&](double c, double a) { return a * std::exp(-0.5 * (e - c) * (e - c) / (0.06 * 0.06)); };
      f << e << " " << 50 + 200 / (1 + e) + g(1.041, 900) + g(2.013, 1500) + g(4.510, 1200) << "\n";
    }
  }
  ASSERT_EQ(run("eds " + (dir / "eds.txt").string() + " --elements Na P Ti --reference Ti --plot " + (dir / "eds.png").string()), 0);
  expect_plot(dir / "eds.png", 0);
}

TEST(FiguresRender, PdfSvgAndStyleOptions) {
  const auto dir = castor::test::scratch_dir("figures_render_formats");
  const std::string nav = data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr").string();
  ASSERT_EQ(run("plot capacity " + nav + " -o " + (dir / "c.pdf").string()), 0);
  EXPECT_TRUE(slurp(dir / "c.pdf").starts_with("%PDF"));
  ASSERT_EQ(run("plot capacity " + nav + " -o " + (dir / "c.svg").string()), 0);
  EXPECT_NE(slurp(dir / "c.svg").find("<path"), std::string::npos);
  // --size and --dpi set the pixels: 8.5 cm at 300 dpi is 1004 px.
  ASSERT_EQ(run("plot profile " + nav + " --size 8.5x6cm --dpi 300 --font-size 8 -o " + (dir / "p.png").string()), 0);
  const auto img = castor::test::read_png(dir / "p.png");
  EXPECT_EQ(img.width, 1004u);
  EXPECT_EQ(img.height, 709u);
  // A house style from TOML: its first colour draws the data.
  {
    std::ofstream s(dir / "house.toml");
    s << "width = \"12cm\"\nheight = \"8cm\"\ndpi = 150\nfont_size = 10\ncolours = [\"#aa0000\", \"#00aa00\"]\n";
  }
  ASSERT_EQ(run("plot profile " + nav + " --cycle 2 --style " + (dir / "house.toml").string() + " -o " + (dir / "h.png").string()), 0);
  const auto house = castor::test::read_png(dir / "h.png");
  EXPECT_EQ(house.width, 709u);
  EXPECT_GT(house.count(0xaa0000), 100u);
  // Nonsense style input is exit status 2, naming the problem.
  {
    std::ofstream s(dir / "bad.toml");
    s << "colour = [\"red\"]\n";
  }
  EXPECT_EQ(run("plot profile " + nav + " --style " + (dir / "bad.toml").string() + " -o " + (dir / "x.png").string()), 2);
  EXPECT_EQ(run("plot profile " + nav + " --size 0x0 -o " + (dir / "x.png").string()), 2);
  EXPECT_EQ(run("plot profile " + nav + " --dpi 1e9 -o " + (dir / "x.png").string()), 2);
  EXPECT_EQ(run("plot profile " + nav + " -o " + (dir / "x.gif").string()), 2);
  // --strict: a file castor warns about (TestFile.nda's record dates jump back) is refused.
  const std::string warned = data_file("cycler/NewareNDA/TestFile.nda").string();
  EXPECT_EQ(run("plot capacity " + warned + " -o " + (dir / "w.png").string()), 0);
  EXPECT_EQ(run("plot capacity " + warned + " --strict -o " + (dir / "w.png").string()), 2);
}

TEST(FiguresRender, AxisConventions) {
  castor::report::Figure xps;
  xps.reverse_x = true;
  xps.series.push_back({"s", {280, 290}, {1, 2}});
  EXPECT_NE(castor::report::gnuplot_script(xps, "x.png").find("reverse"), std::string::npos);
  castor::report::Style s;
  EXPECT_THROW(castor::report::parse_size("16", s), castor::Error);
  castor::report::parse_size("16x10cm", s);
  EXPECT_NEAR(s.width_in, 16 / 2.54, 1e-12);
  EXPECT_NEAR(s.height_in, 10 / 2.54, 1e-12);
}

// castor processes drawing at the same time, each a figure of the same file name in its own
// folder (a batch, or ctest -j), all succeed: the gnuplot script is each process's own (an
// unseeded rand() once gave them one shared name, and one of two parallel runs failed).
TEST(FiguresRender, ParallelProcessesDrawingTheSameFileName) {
  const std::string eis = data_file("echem/impedance.py/exampleData.csv").string();
  std::string cmd = "(";
  std::vector<std::filesystem::path> dirs;
  for (int k = 0; k < 4; ++k) {
    dirs.push_back(castor::test::scratch_dir("figures_parallel_" + std::to_string(k)));
    cmd += std::string(CASTOR_CLI) + " eis drt " + eis + " --plot " + (dirs.back() / "fit.png").string() + " > /dev/null 2>&1 & ";
  }
  cmd += "wait)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  for (const auto& d : dirs) EXPECT_GT(std::filesystem::file_size(d / "fit.png"), 10000u) << d;
}
