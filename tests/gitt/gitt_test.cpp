// GITT: synthetic titrations built from Crank's analytical solution for a sphere under
// constant surface flux (The Mathematics of Diffusion, 2nd ed., eq. 6.50), with a known D;
// the paper's geometry (25 nm particles, tau = 1800 s) must fail the validity check; the
// Modulo Bat files parse into pulses.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/gitt/gitt.h"
#include "castor/io/read.h"
#include "castor/io/write_table.h"
#include "test_data.h"

namespace col = castor::col;
namespace gitt = castor::gitt;

namespace {

// Surface concentration rise of a sphere of radius a after a unit flux switched on at
// t = 0: (a/D) [3 D t/a^2 + 1/5 - 2 sum exp(-D alpha_n^2 t/a^2) / alpha_n^2], alpha_n the
// positive roots of tan(alpha) = alpha.
struct SphereResponse {
  double a, D;
  std::vector<double> alpha;
  SphereResponse(double a_cm, double D_cm2_s) : a(a_cm), D(D_cm2_s) {
    for (int n = 1; n <= 4000; ++n) {
      double lo = n * std::numbers::pi + 1e-12, hi = (n + 0.5) * std::numbers::pi - 1e-12;
      for (int it = 0; it < 200; ++it) {
        const double m = 0.5 * (lo + hi);
        (std::sin(m) - m * std::cos(m)) * (std::sin(lo) - lo * std::cos(lo)) > 0 ? lo = m : hi = m;
      }
      alpha.push_back(0.5 * (lo + hi));
    }
  }
  double operator()(double t) const {
    if (t <= 0) return 0;
    const double u = D * t / (a * a);
    double sum = 0;
    for (double al : alpha) {
      if (al * al * u > 60) break;  // the remaining terms are below 1e-26
      sum += std::exp(-al * al * u) / (al * al);
    }
    return a / D * (3 * u + 0.2 - 2 * sum);
  }
};

// A discharge titration: first rest, then `pulses` x (pulse tau_s at current I, rest).
// E = E_ref - slope * c_s - R |I| during a pulse; c in units where flux 1 = the current.
castor::Table synthetic_gitt(const SphereResponse& g, int pulses, double tau_s, double rest_s, double dt_pulse, double dt_rest) {
  const double I = -1e-4, R = 20.0, slope = 2.0e-3 * g.D / g.a;  // ~ mV per pulse
  std::vector<double> t, v, i;
  std::vector<double> starts;
  auto cs = [&](double time) {
    double c = 0;
    for (double s0 : starts) c += g(time - s0) - g(time - s0 - tau_s);
    return c;
  };
  auto add = [&](double time, bool on) {
    t.push_back(time);
    i.push_back(on ? I : 0.0);
    v.push_back(3.0 - slope * cs(time) - (on ? R * std::fabs(I) : 0.0));
  };
  double time = 0;
  for (double s = 0; s < 300; s += 30) add(time = s, false);  // a first rest of any length
  time += 30;
  for (int k = 0; k < pulses; ++k) {
    starts.push_back(time);
    for (double s = 0; s < tau_s - 1e-9; s += dt_pulse) add(time + s, true);
    time += tau_s;
    for (double s = 0; s < rest_s - 1e-9; s += dt_rest) add(time + s, false);
    time += rest_s;
  }
  castor::Table tab;
  tab.meta.source_file = "synthetic-gitt";
  tab.add(col::time_s, "s", "", castor::ColumnRole::Common, t);
  tab.add(col::voltage_V, "V", "", castor::ColumnRole::Common, v);
  tab.add(col::current_A, "A", "", castor::ColumnRole::Common, i);
  return tab;
}

gitt::GittOptions sphere_options(double radius_cm) {
  gitt::GittOptions o;
  o.geometry = gitt::Geometry::sphere;
  o.radius_cm = radius_cm;
  o.mass_g = 1e-3;
  o.molar_mass_g_mol = 403.63;
  o.ion_charge = 2;
  return o;
}

// The titration written as a CSV file in a scratch folder of its own.
std::filesystem::path written_titration(const castor::Table& t, const std::string& folder) {
  const auto dir = castor::test::scratch_dir(folder);
  std::ofstream out(dir / "gitt.csv");
  castor::io::write_csv(t, out, {});
  return dir / "gitt.csv";
}
}  // namespace

TEST(Gitt, MolarVolumeOfNtp) {
  // paper.md: a = 8.4828 A, c = 21.7760 A, Z = 6: V_cell 1357 A^3, V_M 136.2 cm3/mol.
  const double v = gitt::hexagonal_cell_volume_Ang3(8.4828, 21.7760);
  EXPECT_NEAR(v, 1357, 0.5);
  EXPECT_NEAR(gitt::molar_volume_cm3_mol(v, 6), 136.2, 0.05);
}

TEST(Gitt, SyntheticSphereRecoversD) {
  const double a = 2e-3, D = 1e-10;  // 20 um particles: L^2/D = 4e4 s
  const SphereResponse g(a, D);
  const auto t = synthetic_gitt(g, 8, 10.0, 20000.0, 0.1, 200.0);
  const auto r = gitt::analyse_gitt(t, sphere_options(a));
  ASSERT_EQ(r.pulses.size(), 8u);
  EXPECT_EQ(r.invalid, 0) << r.summary;
  for (const auto& p : r.pulses) {
    EXPECT_EQ(p.direction, castor::Direction::discharge);
    EXPECT_NEAR(p.D_cm2_s, D, 0.05 * D) << "pulse " << p.index;
    EXPECT_NEAR(p.ir_drop_V, -20 * 1e-4, 1e-9);
    EXPECT_NEAR(p.tau_s, 10.0, 1e-9);
    EXPECT_TRUE(p.valid) << p.note;
  }
  EXPECT_NEAR(r.pulses.back().soc, 1.0, 1e-12);
  EXPECT_NEAR(r.pulses[3].soc, 0.5, 1e-12);
  // The sqrt(t) form and the electrode form with the same length give the same D.
  auto o = sphere_options(a);
  o.slope = gitt::Slope::sqrt_time_fit;
  const auto rs = gitt::analyse_gitt(t, o);
  for (const auto& p : rs.pulses) EXPECT_NEAR(p.D_cm2_s, D, 0.05 * D) << "sqrt form, pulse " << p.index;
  o = sphere_options(a);
  o.geometry = gitt::Geometry::electrode_area;
  o.molar_volume_cm3_mol = 136.2;
  o.area_cm2 = o.mass_g * o.molar_volume_cm3_mol / (o.molar_mass_g_mol * a / 3);  // m V_M/(M S) = a/3
  const auto re = gitt::analyse_gitt(t, o);
  for (std::size_t k = 0; k < re.pulses.size(); ++k) EXPECT_NEAR(re.pulses[k].D_cm2_s, r.pulses[k].D_cm2_s, 1e-9 * D);
  // Window average over SOC 20-60 %.
  const auto w = gitt::window_average(r, castor::Direction::discharge, 0.2, 0.6);
  EXPECT_EQ(w.pulses, 3);
  EXPECT_NEAR(w.mean_D_cm2_s, D, 0.05 * D);
}

// paper.md: 25 nm particles, tau = 1800 s, D = 5.7e-13 cm2/s: r^2/D = 11 s << tau, so
// Weppner-Huggins does not apply and castor must say so.
TEST(Gitt, PaperGeometryFailsTheValidityCheck) {
  const double a = 25e-7, D = 5.7e-13;
  const SphereResponse g(a, D);
  const auto t = synthetic_gitt(g, 4, 1800.0, 600.0, 10.0, 10.0);
  const auto r = gitt::analyse_gitt(t, sphere_options(a));
  ASSERT_EQ(r.pulses.size(), 4u);
  EXPECT_EQ(r.invalid, 4);
  for (const auto& p : r.pulses) EXPECT_FALSE(p.valid);
  EXPECT_NE(r.summary.find("fail the validity check"), std::string::npos) << r.summary;
  EXPECT_NE(r.pulses[0].note.find("not << L^2/D"), std::string::npos) << r.pulses[0].note;
}

TEST(Gitt, ModuloBatFilesParseIntoPulses) {
  for (const char* f : {"cycler/yadg/mb.issue_95.mpr", "cycler/yadg/mb.issue_218.mpr"}) {
    const auto t = castor::io::read_table(castor::test::data_file(f));
    gitt::GittOptions o = sphere_options(1e-4);
    try {
      const auto r = gitt::analyse_gitt(t, o);
      EXPECT_GT(r.pulses.size(), 0u) << f;
      // Neither file rests after its pulses: each pulse is reported, flagged, without D.
      for (const auto& p : r.pulses) {
        EXPECT_GT(p.tau_s, 0) << f;
        EXPECT_TRUE(std::isfinite(p.ir_drop_V)) << f;
        EXPECT_FALSE(p.valid) << f;
        EXPECT_NE(p.note.find("no rest"), std::string::npos) << p.note;
      }
    } catch (const castor::Error& e) {
      ADD_FAILURE() << f << ": " << e.what();
    }
  }
}

TEST(Gitt, MissingInputsAreErrors) {
  const SphereResponse g(2e-3, 1e-10);
  const auto t = synthetic_gitt(g, 2, 10.0, 2000.0, 0.5, 100.0);
  gitt::GittOptions o;
  EXPECT_THROW((void)gitt::analyse_gitt(t, o), castor::Error);  // no mass
  o = sphere_options(0);
  EXPECT_THROW((void)gitt::analyse_gitt(t, o), castor::Error);  // no radius
}

TEST(GittCli, SyntheticTitrationThroughTheCommandLine) {
  const SphereResponse g(2e-3, 1e-10);
  const auto csv = written_titration(synthetic_gitt(g, 5, 10.0, 20000.0, 0.1, 200.0), "gitt_cli");
  const auto dir = csv.parent_path();
  const std::string cli = CASTOR_CLI;
  const std::string cmd = cli + " gitt " + (dir / "gitt.csv").string() +
                          " --mass-mg 1 --formula 'NaTi2(PO4)3' --ion Ca --radius-nm 20000 -o " + (dir / "pulses.csv").string() +
                          " --plot " + (dir / "gitt.png").string() + " > " + (dir / "out.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream in(dir / "pulses.csv");
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) ++rows;
  EXPECT_EQ(rows, 6);  // header + 5 pulses
  EXPECT_GT(std::filesystem::file_size(dir / "gitt.png"), 10000u);
  // Every pulse valid: --strict passes.
  EXPECT_EQ(std::system((cmd.substr(0, cmd.find(" > ")) + " --strict > /dev/null 2>&1").c_str()), 0);
  // Missing geometry: exit status 2 with a message.
  EXPECT_EQ(std::system((cli + " gitt " + (dir / "gitt.csv").string() + " --mass-mg 1 --formula 'NaTi2(PO4)3' > /dev/null 2>&1").c_str()),
            2 << 8);
}

// On a two-phase plateau the voltage after each rest does not change: Weppner-Huggins does
// not apply and castor gives no D (issue 15).
TEST(Gitt, TwoPhasePlateauGivesNoD) {
  std::vector<double> t, v, i;
  double time = 0;
  for (int k = 0; k < 4; ++k) {
    for (int j = 0; j < 60; ++j) t.push_back(time), v.push_back(2.0 - 0.02 * std::sqrt(j)), i.push_back(-1e-4), time += 1;
    for (int j = 0; j < 120; ++j) t.push_back(time), v.push_back(2.0 - 0.001 * std::exp(-j / 10.0)), i.push_back(0), time += 1;
  }
  castor::Table tab;
  tab.meta.source_file = "two-phase";
  tab.add(castor::col::time_s, "s", "", castor::ColumnRole::Common, t);
  tab.add(castor::col::voltage_V, "V", "", castor::ColumnRole::Common, v);
  tab.add(castor::col::current_A, "A", "", castor::ColumnRole::Common, i);
  castor::gitt::GittOptions g;
  g.geometry = castor::gitt::Geometry::sphere;
  g.radius_cm = 1e-5;
  g.mass_g = 1e-3;
  g.molar_mass_g_mol = 400;
  const auto r = castor::gitt::analyse_gitt(tab, g);
  ASSERT_GE(r.pulses.size(), 3u);
  for (std::size_t k = 1; k < r.pulses.size(); ++k) {
    EXPECT_FALSE(r.pulses[k].valid);
    EXPECT_TRUE(std::isnan(r.pulses[k].D_cm2_s));
    EXPECT_NE(r.pulses[k].note.find("two-phase"), std::string::npos) << r.pulses[k].note;
  }
}

// The paper's geometry through the command line: the warnings are printed, the pulse table
// is still written, and --strict turns the flagged pulses into exit status 2 (issue 15).
TEST(GittCli, FlaggedPulsesAreAnErrorOnlyWithStrict) {
  const SphereResponse g(25e-7, 5.7e-13);
  const auto csv = written_titration(synthetic_gitt(g, 4, 1800.0, 600.0, 10.0, 10.0), "gitt_strict");
  const auto dir = csv.parent_path();
  const std::string base = std::string(CASTOR_CLI) + " gitt " + (dir / "gitt.csv").string() +
                           " --mass-mg 1 --formula 'NaTi2(PO4)3' --ion Ca --radius-nm 25 -o " + (dir / "pulses.csv").string();
  ASSERT_EQ(std::system((base + " > " + (dir / "out.txt").string() + " 2>&1").c_str()), 0);
  std::ifstream in(dir / "out.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("WARNING: 4 of 4 pulses fail the Weppner-Huggins validity check"), std::string::npos) << text;
  std::filesystem::remove(dir / "pulses.csv");
  EXPECT_EQ(std::system((base + " --strict > /dev/null 2>&1").c_str()), 2 << 8);
  EXPECT_TRUE(std::filesystem::exists(dir / "pulses.csv"));
}

// A real file whose pulses have no rest after them (yadg mb.issue_95.mpr): the warnings are
// printed and --strict refuses the run.
TEST(GittCli, RealFileWithoutRestsIsRefusedWithStrict) {
  const std::string base = std::string(CASTOR_CLI) + " gitt " + castor::test::data_file("cycler/yadg/mb.issue_95.mpr").string() +
                           " --mass-mg 1 --formula 'NaTi2(PO4)3' --radius-nm 100";
  EXPECT_EQ(std::system((base + " > /dev/null 2>&1").c_str()), 0);
  EXPECT_EQ(std::system((base + " --strict > /dev/null 2>&1").c_str()), 2 << 8);
}
