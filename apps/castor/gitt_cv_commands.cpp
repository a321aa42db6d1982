#include "gitt_cv_commands.h"

#include <filesystem>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/cv/cv.h"
#include "castor/cv/cv_report.h"
#include "castor/gitt/gitt.h"
#include "castor/gitt/gitt_report.h"
#include "castor/io/join.h"
#include "castor/io/read.h"
#include "castor/report/gnuplot.h"
#include "castor/report/report.h"
#include "report_output.h"
#include "strict.h"

namespace castor::cli {
namespace {

struct GittFlags {
  std::vector<std::string> files;  // one titration, possibly in several files (joined)
  std::string file, formula, ion = "Li", output, plot;
  double mass_mg = 0, radius_nm = 0, area_cm2 = 0, molar_volume = 0, rest_current_A = 0;
  bool sqrt_fit = false, strict = false;
  std::vector<std::string> windows = {"discharge:0.2-0.6", "charge:0.2-0.8"};
};

void run_gitt(const GittFlags& f) {
  if (f.formula.empty()) throw Error("castor gitt needs --formula (molar mass and theoretical capacity)");
  const auto formula = chem::parse_formula(f.formula);
  gitt::GittOptions o;
  o.mass_g = f.mass_mg * 1e-3;
  o.molar_mass_g_mol = formula.molar_mass_g_mol;
  o.ion_charge = chem::ion_charge(f.ion);
  if (f.radius_nm > 0 && f.area_cm2 > 0) throw Error("give either --radius-nm (sphere form) or --area-cm2 (electrode form)");
  if (f.radius_nm > 0) {
    o.geometry = gitt::Geometry::sphere;
    o.radius_cm = f.radius_nm * 1e-7;
  } else {
    o.geometry = gitt::Geometry::electrode_area;
    o.area_cm2 = f.area_cm2;
    o.molar_volume_cm3_mol = f.molar_volume;
  }
  o.slope = f.sqrt_fit ? gitt::Slope::sqrt_time_fit : gitt::Slope::end_points;
  if (f.rest_current_A > 0) o.rest_current_A = f.rest_current_A;
  const auto t = io::read_tables_joined(std::vector<std::filesystem::path>(f.files.begin(), f.files.end()));
  refuse_if_strict(f.strict, t.meta.warnings, t.meta.source_file, t.meta.format);
  for (const auto& w : t.meta.warnings) fmt::print("warning ({}): {}\n", t.meta.source_file, w);
  const auto r = gitt::analyse_gitt(t, o);
  std::vector<gitt::SocWindow> windows;
  for (const auto& w : f.windows) windows.push_back(gitt::parse_soc_window(w));
  const auto rep = gitt::to_report(r, o, f.file, windows);
  report::write_text(rep, std::cout);
  write_report(rep, f.output, "pulses");
  if (!f.plot.empty()) {
    const auto figs = gitt::figures(t, r, std::filesystem::path(f.file).filename().string());
    if (figs.size() == 1)
      report::draw(figs.front(), f.plot);
    else
      report::draw_panels(figs, f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  // --strict: the outputs are written (to look at), the status says the numbers are flagged.
  refuse_if_strict(f.strict, r.warnings, f.file, "GITT");
}

struct CvFlags {
  std::vector<std::string> files;
  std::string output, plot;
  int electrons = 1;
  double area_cm2 = 0, conc_mM = 0, temperature_C = 25;
  bool strict = false, insertion = false;
};

void run_cv(const CvFlags& f) {
  std::vector<cv::CvRun> runs;
  for (const auto& file : f.files) {
    auto t = io::read_table(file);
    refuse_if_strict(f.strict, t.meta.warnings, t.meta.source_file, t.meta.format);
    auto r = cv::analyse_cv(t);  // the file's warnings go into the report
    runs.push_back({file, std::move(t), std::move(r)});
  }
  const cv::ScanRateInputs in{f.electrons, f.area_cm2, f.conc_mM, f.temperature_C + 273.15, f.insertion};
  std::optional<cv::ScanRateResult> rates;
  if (runs.size() > 1) {
    std::vector<cv::ScanRatePoint> pts;
    for (const auto& run : runs) pts.push_back(cv::scan_rate_point(run));
    rates = cv::scan_rate_analysis(pts, in.electrons, in.area_cm2, in.concentration_mM * 1e-6, in.temperature_K, in.insertion_electrode);
  }
  const auto rep = cv::to_report(runs, rates, in);
  report::write_text(rep, std::cout);
  write_report(rep, f.output, "peaks");
  const auto fig = cv::figure(runs, rates);
  if (!f.plot.empty()) {
    report::draw(fig, f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  refuse_if_strict(f.strict, fig.warnings, f.files.front(), "CV");
}

}  // namespace

void add_gitt_cv_commands(CLI::App& app) {
  auto g = std::make_shared<GittFlags>();
  auto* gitt_cmd = app.add_subcommand("gitt", "GITT: pulses, Weppner-Huggins D against SOC, validity check");
  gitt_cmd->add_option("FILES", g->files, "cycler file with the titration; several files of one run are joined")
      ->required()
      ->each([g](const std::string& v) { g->file += (g->file.empty() ? "" : " + ") + v; });
  gitt_cmd->add_option("--mass-mg", g->mass_mg, "active mass (mg)")->required();
  gitt_cmd->add_option("--formula", g->formula, "active material, e.g. 'NaTi2(PO4)3'")->required();
  gitt_cmd->add_option("--ion", g->ion, "inserted ion (Li, Na, K, Mg, Ca, Zn, Al)")->capture_default_str();
  gitt_cmd->add_option("--radius-nm", g->radius_nm, "particle radius: sphere form D = 4/(pi tau) (r/3)^2 (dEs/dEt)^2");
  gitt_cmd->add_option("--area-cm2", g->area_cm2, "electrode/electrolyte area S: electrode form (needs --molar-volume)");
  gitt_cmd->add_option("--molar-volume", g->molar_volume, "V_M in cm3/mol (NTP: 136.2)");
  gitt_cmd->add_flag("--strict", g->strict,
                     "treat warnings (damaged file, placeholder mass, pulses that fail the validity check) as errors (exit status 2)");
  gitt_cmd->add_flag("--sqrt-fit", g->sqrt_fit, "use the slope of E against sqrt(t) over the pulse");
  gitt_cmd->add_option("--rest-current-A", g->rest_current_A, "|I| below this is rest");
  gitt_cmd->add_option("--window", g->windows, "averaging windows, e.g. discharge:0.2-0.6 charge:0.2-0.8");
  gitt_cmd->add_option("-o,--output", g->output, "per-pulse table (.csv)");
  gitt_cmd->add_option("--plot", g->plot, "voltage against time and D against SOC (.png, .pdf or .svg)");
  gitt_cmd->callback([g] { run_gitt(*g); });

  auto c = std::make_shared<CvFlags>();
  auto* cv_cmd = app.add_subcommand("cv", "Cyclic voltammetry: peaks per cycle; with several files, the scan-rate analysis");
  cv_cmd->add_option("FILES", c->files, "CV files (several scan rates for log ip vs log v)")->required();
  cv_cmd->add_option("--electrons", c->electrons, "n for Randles-Sevcik")->capture_default_str();
  cv_cmd->add_option("--area-cm2", c->area_cm2, "electrode area for Randles-Sevcik");
  cv_cmd->add_option("--conc-mM", c->conc_mM, "bulk concentration (mM) for Randles-Sevcik");
  cv_cmd->add_flag("--insertion", c->insertion,
                   "the working electrode is an insertion material: Randles-Sevcik gives only an apparent D (said so)");
  cv_cmd->add_option("--temperature-C", c->temperature_C, "temperature")->capture_default_str();
  cv_cmd->add_option("-o,--output", c->output, "peak table (.csv)");
  cv_cmd->add_option("--plot", c->plot, "current against potential with the peaks (.png, .pdf or .svg)");
  cv_cmd->add_flag("--strict", c->strict,
                   "treat warnings (about a file, b-value far from 0.5 for Randles-Sevcik) as errors (exit status 2)");
  cv_cmd->callback([c] { run_cv(*c); });
}

}  // namespace castor::cli
