// The comparison map (paper Fig. 2d; issue 14): castor's own cells placed by hysteresis
// and flatness as castor cycling computes them, literature points from a user's CSV, and
// clear errors for what cannot go on the map.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "castor/core/error.h"
#include "castor/cycling/compare.h"
#include "castor/io/read.h"
#include "test_data.h"

using castor::test::data_file;
namespace cy = castor::cycling;

namespace {
std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto p = castor::test::scratch_dir("compare") / name;
  std::ofstream(p) << text;
  return p;
}
std::string error_of(const std::filesystem::path& p) {
  try {
    (void)cy::read_literature(p);
  } catch (const castor::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Compare, MeasuredPointIsTheCyclingResult) {
  const auto t = castor::io::read_table(data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"));
  cy::CyclingOptions o;
  o.mass = cy::ActiveMass::given_mg(7);
  const auto r = cy::analyse_cycling(t, o);
  const auto p = cy::map_point(r, "NaCoO2");
  EXPECT_TRUE(p.measured);
  EXPECT_EQ(p.cycle, 1);  // cycle 0 is the partial formation discharge
  const auto& c = r.cycles[1];
  ASSERT_TRUE(c.hysteresis);
  EXPECT_DOUBLE_EQ(p.hysteresis_V, c.hysteresis->value_V);
  // Flatness as the paper defines it: mean of the discharge and charge end-point flatness
  // over SOC 20-80 %, in mV per mAh/g.
  const auto& ch = r.half_cycles[*c.first].direction == castor::Direction::charge ? r.half_cycles[*c.first] : r.half_cycles[*c.second];
  const auto& dis = r.half_cycles[*c.first].direction == castor::Direction::charge ? r.half_cycles[*c.second] : r.half_cycles[*c.first];
  ASSERT_TRUE(ch.flatness && dis.flatness);
  EXPECT_EQ(ch.flatness->unit, "mV per mAh/g");
  EXPECT_NEAR(p.flatness_mV_per_mAh_g, 0.5 * (ch.flatness->endpoint_mV_per + dis.flatness->endpoint_mV_per), 1e-12);
  for (const auto* f : {&*ch.flatness, &*dis.flatness})
    EXPECT_NEAR(f->endpoint_mV_per, 1e3 * std::fabs(f->voltage_high_soc_V - f->voltage_low_soc_V) / f->capacity_window, 1e-9);
  EXPECT_NEAR(p.capacity_mAh_g, r.specific(c.discharge_mAh), 1e-12);
  // A cycle that does not exist, and no mass, are errors naming the file.
  EXPECT_THROW((void)cy::map_point(r, "x", 99), castor::Error);
  const auto no_mass = cy::analyse_cycling(castor::io::read_table(data_file("cycler/navani/arbin_example.res")));
  EXPECT_THROW((void)cy::map_point(no_mass, "x"), castor::Error);
}

TEST(Compare, LiteratureCsv) {
  const auto ok = write("lit.csv",
                        "# Fig. 2d points typed in by a user\nMaterial, Hysteresis V, Flatness (mV per mAh/g), Source\n"
                        "\"NVP, full cell\",0.9,12.5,ref 1\nPTCDA,0.4,3,ref 2\r\n");
  const auto pts = cy::read_literature(ok);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].material, "NVP, full cell");
  EXPECT_DOUBLE_EQ(pts[0].hysteresis_V, 0.9);
  EXPECT_DOUBLE_EQ(pts[1].flatness_mV_per_mAh_g, 3);
  EXPECT_EQ(pts[1].source, "ref 2");
  EXPECT_TRUE(std::isnan(pts[0].voltage_V));
  EXPECT_NE(error_of(write("a.csv", "material,flatness\nx,1\n")).find("hysteresis_V"), std::string::npos);
  EXPECT_NE(error_of(write("b.csv", "material,hysteresis_V,flatness\nx,1\n")).find("line 2"), std::string::npos);
  EXPECT_NE(error_of(write("c.csv", "material,hysteresis_V,flatness\nx,nan,1\n")).find("finite"), std::string::npos);
  EXPECT_NE(error_of(write("d.csv", "material,hysteresis_V,flatness\n")).find("no rows"), std::string::npos);
  EXPECT_NE(error_of(write("e.csv", "material,hysteresis_V,flatness\nx,-1,1\n")).find(">= 0"), std::string::npos);
  // The table and the JSON say where each point comes from.
  std::ostringstream csv, json;
  cy::write_map_csv(pts, csv);
  cy::write_map_json(pts, json);
  EXPECT_NE(csv.str().find("\"NVP, full cell\",literature,0.9,12.5"), std::string::npos) << csv.str();
  EXPECT_NE(json.str().find("SOC 20-80 %"), std::string::npos);
}

TEST(Compare, Cli) {
  const auto dir = castor::test::scratch_dir("compare_cli");
  const auto lit = write("lit2.csv", "material,hysteresis_V,flatness_mV_per_mAh_g,source\nA,0.5,12,test\n");
  const std::string nav = data_file("cycler/navani/jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr").string();
  auto run = [](const std::string& args) {
    const int rc = std::system((std::string(CASTOR_CLI) + " " + args + " > /dev/null 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run("compare " + nav + " --mass-mg 7 --literature " + lit.string() + " -o " + (dir / "m.csv").string() + " --plot " +
                (dir / "m.png").string()),
            0);
  EXPECT_GT(std::filesystem::file_size(dir / "m.png"), 5000u);
  EXPECT_EQ(run("compare " + data_file("cycler/navani/arbin_example.res").string()), 2);  // no mass
  EXPECT_EQ(run("compare " + nav + " --mass-mg 7 --literature " + (dir / "none.csv").string()), 2);
  // Nonsense cycle options are exit status 2, not a silent default.
  EXPECT_EQ(run("cycling " + nav + " --cycles bogus"), 2);
  EXPECT_EQ(run("cycling " + nav + " --ce out/in"), 2);
  // --cycles file on a table without a cycle index names the problem (exit 2).
  const auto plain = write("plain.csv", "time_s,voltage_V,current_A\n0,3.0,0.001\n10,3.1,0.001\n20,3.2,0.001\n30,3.3,0.001\n");
  EXPECT_EQ(run("cycling " + plain.string()), 0);
  EXPECT_EQ(run("cycling " + plain.string() + " --cycles file"), 2);
}
