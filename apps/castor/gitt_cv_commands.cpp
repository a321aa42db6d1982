#include "gitt_cv_commands.h"

#include <filesystem>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/cv/cv.h"
#include "castor/gitt/gitt.h"
#include "castor/io/join.h"
#include "castor/io/read.h"
#include "castor/report/gnuplot.h"
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
  fmt::print("{}: {} ({}, {}; M = {:.2f} g/mol)\n", f.file, r.summary,
             o.geometry == gitt::Geometry::sphere ? fmt::format("sphere r = {} nm", f.radius_nm)
                                                  : fmt::format("electrode S = {} cm2, V_M = {} cm3/mol", f.area_cm2, f.molar_volume),
             f.sqrt_fit ? "dE/dsqrt(t) fit" : "end points", formula.molar_mass_g_mol);
  fmt::print("{:>4} {:>9} {:>6} {:>7} {:>9} {:>9} {:>9} {:>9} {:>11} {:>6}\n", "#", "I mA", "tau s", "SOC %", "x", "dEs mV",
             "dEt mV", "IR mV", "D cm2/s", "valid");
  for (const auto& p : r.pulses)
    fmt::print("{:>4} {:>9.4g} {:>6.0f} {:>7.1f} {:>9.4f} {:>9.3f} {:>9.3f} {:>9.3f} {:>11.3e} {:>6}\n", p.index,
               p.current_A * 1e3, p.tau_s, 100 * p.soc, p.x, 1e3 * p.dEs_V, 1e3 * p.dEt_V, 1e3 * p.ir_drop_V, p.D_cm2_s,
               p.valid ? "yes" : "NO");
  for (const auto& w : f.windows) {
    const auto colon = w.find(':'), dash = w.find('-', colon == std::string::npos ? 0 : colon);
    if (colon == std::string::npos || dash == std::string::npos)
      throw Error(fmt::format("--window '{}': expected discharge:0.2-0.6 or charge:0.2-0.8", w));
    const std::string side = w.substr(0, colon);
    const int dir = side == "charge" ? 1 : side == "discharge" ? -1 : 0;
    if (dir == 0) throw Error(fmt::format("--window '{}': the side is charge or discharge", w));
    const double lo = parse_number(w.substr(colon + 1, dash - colon - 1), fmt::format("--window '{}': the lower SOC", w));
    const double hi = parse_number(w.substr(dash + 1), fmt::format("--window '{}': the upper SOC", w));
    if (!(lo >= 0 && hi <= 1 && lo < hi)) throw Error(fmt::format("--window '{}': SOC limits must satisfy 0 <= low < high <= 1", w));
    const auto avg = gitt::window_average(r, dir, lo, hi);
    if (avg.pulses == 0) continue;
    fmt::print("{} SOC {:.0f}-{:.0f} %: mean D = {:.3e} cm2/s (geometric {:.3e}) over {} pulses, {} valid\n", side,
               100 * avg.soc_low, 100 * avg.soc_high, avg.mean_D_cm2_s, avg.log_mean_D_cm2_s, avg.pulses, avg.valid_pulses);
  }
  for (const auto& w : r.warnings) fmt::print("WARNING: {}\n", w);
  if (!f.output.empty()) {
    std::ofstream out(f.output);
    out << "pulse,direction,current_A,tau_s,rest_s,soc,x,E0_V,E_after_IR_V,E_pulse_end_V,E_rest_end_V,IR_drop_V,"
           "overpotential_V,dEs_V,dEt_V,dE_dsqrt_t_V_s05,sqrt_t_r2,D_cm2_s,diffusion_time_s,valid,note\n";
    for (const auto& p : r.pulses)
      out << fmt::format("{},{},{:.8g},{:.6g},{:.6g},{:.6g},{:.6g},{:.8g},{:.8g},{:.8g},{:.8g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},"
                         "{:.5f},{:.6e},{:.6g},{},\"{}\"\n",
                         p.index, p.direction > 0 ? "charge" : "discharge", p.current_A, p.tau_s, p.rest_s, p.soc, p.x, p.e0_V,
                         p.e_after_ir_V, p.e_pulse_end_V, p.e_rest_end_V, p.ir_drop_V, p.overpotential_V, p.dEs_V, p.dEt_V,
                         p.dE_dsqrt_t, p.sqrt_t_r2, p.D_cm2_s, p.diffusion_time_s, p.valid, p.note);
    if (!out) throw Error(f.output, "csv", "cannot write");
    fmt::print(stderr, "wrote {}\n", f.output);
  }
  if (!f.plot.empty()) {
    report::Figure e, d;
    e.title = "GITT - " + std::filesystem::path(f.file).filename().string();
    e.warnings = t.meta.warnings;
    e.warnings.insert(e.warnings.end(), r.warnings.begin(), r.warnings.end());
    e.xlabel = "Time (h)";
    e.ylabel = "Voltage (V)";
    report::Series sv{"voltage", {}, {}, "lines", false};
    const auto& tt = t.values(col::time_s);
    const auto& vv = t.values(col::voltage_V);
    for (std::size_t i = 0; i < t.rows(); ++i) sv.x.push_back(tt[i] / 3600), sv.y.push_back(vv[i]);
    e.series.push_back(sv);
    d.title = "Diffusion coefficient (Weppner-Huggins)";
    d.xlabel = "SOC of the titration (%)";
    d.ylabel = "D (cm2/s)";
    d.log_y = true;
    for (int dir : {-1, 1})
      for (bool valid : {true, false}) {
        report::Series s{fmt::format("{} {}", dir < 0 ? "discharge" : "charge", valid ? "valid" : "flagged"), {}, {},
                         valid ? "points pt 7 ps 1" : "points pt 6 ps 1", false};
        for (const auto& p : r.pulses)
          if (p.direction == dir && p.valid == valid && p.D_cm2_s > 0) s.x.push_back(100 * p.soc), s.y.push_back(p.D_cm2_s);
        if (!s.x.empty()) d.series.push_back(s);
      }
    if (d.series.empty()) report::draw(e, f.plot);
    else report::draw_panels({e, d}, f.plot);
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
  std::vector<cv::ScanRatePoint> pts;
  report::Figure fig;
  fig.title = "Cyclic voltammetry (peaks marked) - " + std::filesystem::path(f.files.at(0)).filename().string() +
              (f.files.size() > 1 ? fmt::format(" and {} more", f.files.size() - 1) : "");
  fig.xlabel = "Potential (V)";
  fig.ylabel = "Current (mA)";
  fig.key = "top left";
  std::ofstream out;
  if (!f.output.empty()) {
    out.open(f.output);
    out << "file,cycle,scan_rate_V_s,Epa_V,ipa_A,ipa_above_baseline_A,Epc_V,ipc_A,ipc_below_baseline_A,E_half_V,dEp_V\n";
  }
  for (const auto& file : f.files) {
    const auto t = io::read_table(file);
    refuse_if_strict(f.strict, t.meta.warnings, t.meta.source_file, t.meta.format);
    for (const auto& w : t.meta.warnings) fmt::print("warning ({}): {}\n", file, w);
    fig.warnings.insert(fig.warnings.end(), t.meta.warnings.begin(), t.meta.warnings.end());
    const auto r = cv::analyse_cv(t);
    fmt::print("{}: {} sweeps, scan rate {:.4g} mV/s\n", file, r.sweeps.size(), r.scan_rate_V_s * 1e3);
    fmt::print("{:>6} {:>9} {:>11} {:>9} {:>11} {:>9} {:>9}\n", "cycle", "Epa V", "ipa mA", "Epc V", "ipc mA", "E1/2 V", "dEp mV");
    auto pv = [](const std::optional<cv::CvPeak>& p) { return p ? fmt::format("{:.4f}", p->potential_V) : std::string("-"); };
    auto pi = [](const std::optional<cv::CvPeak>& p) { return p ? fmt::format("{:.4g}", p->height_A * 1e3) : std::string("-"); };
    for (const auto& c : r.cycles) {
      fmt::print("{:>6} {:>9} {:>11} {:>9} {:>11} {:>9} {:>9}\n", c.cycle, pv(c.anodic), pi(c.anodic), pv(c.cathodic),
                 pi(c.cathodic), std::isfinite(c.e_half_V) ? fmt::format("{:.4f}", c.e_half_V) : "-",
                 std::isfinite(c.separation_V) ? fmt::format("{:.1f}", 1e3 * c.separation_V) : "-");
      if (out.is_open())
        out << fmt::format("\"{}\",{},{:.6g},{},{},{},{},{},{},{},{}\n", file, c.cycle, r.scan_rate_V_s,
                           c.anodic ? fmt::format("{:.6f}", c.anodic->potential_V) : "", c.anodic ? fmt::format("{:.6g}", c.anodic->current_A) : "",
                           c.anodic ? fmt::format("{:.6g}", c.anodic->height_A) : "",
                           c.cathodic ? fmt::format("{:.6f}", c.cathodic->potential_V) : "", c.cathodic ? fmt::format("{:.6g}", c.cathodic->current_A) : "",
                           c.cathodic ? fmt::format("{:.6g}", c.cathodic->height_A) : "",
                           std::isfinite(c.e_half_V) ? fmt::format("{:.6f}", c.e_half_V) : "",
                           std::isfinite(c.separation_V) ? fmt::format("{:.6f}", c.separation_V) : "");
    }
    const auto& c0 = r.cycles.front();
    pts.push_back({r.scan_rate_V_s, c0.anodic ? std::optional<double>(c0.anodic->height_A) : std::nullopt,
                   c0.cathodic ? std::optional<double>(c0.cathodic->height_A) : std::nullopt});
    report::Series s{f.files.size() > 1 ? fmt::format("{:.3g} mV/s", r.scan_rate_V_s * 1e3)
                                        : fmt::format("{} ({:.3g} mV/s)", std::filesystem::path(file).filename().string(), r.scan_rate_V_s * 1e3),
                     {}, {}, "lines", false};
    const auto& v = t.values(col::voltage_V);
    const auto& i = t.values(col::current_A);
    for (std::size_t k = 0; k < t.rows(); ++k) s.x.push_back(v[k]), s.y.push_back(i[k] * 1e3);
    fig.series.push_back(s);
    report::Series pk{"", {}, {}, "points pt 7 ps 1.3 lc rgb 'black'", false};
    for (const auto& sw : r.sweeps)
      for (const auto* p : {&sw.anodic, &sw.cathodic})
        if (*p) pk.x.push_back((*p)->potential_V), pk.y.push_back((*p)->current_A * 1e3);
    if (!pk.x.empty()) fig.series.push_back(pk);
  }
  if (pts.size() > 1) {
    const auto s = cv::scan_rate_analysis(pts, f.electrons, f.area_cm2, f.conc_mM * 1e-6, f.temperature_C + 273.15,
                                          f.insertion);
    for (int side = 0; side < 2; ++side) {
      const auto& fit = side == 0 ? s.anodic : s.cathodic;
      if (!fit) continue;
      fmt::print("{} peaks: b = {:.3f} (log|ip| vs log v slope, r2 {:.4f}; 0.5 = diffusion, 1 = surface)",
                 side == 0 ? "anodic" : "cathodic", fit->slope, fit->r2);
      const auto& D = side == 0 ? s.anodic_D_cm2_s : s.cathodic_D_cm2_s;
      if (D) fmt::print("; Randles-Sevcik D = {:.3e} cm2/s (n = {}, A = {} cm2, C = {} mM)", *D, f.electrons, f.area_cm2, f.conc_mM);
      fmt::print("\n");
      if (const auto& d = side == 0 ? s.anodic_dunn : s.cathodic_dunn) {
        fmt::print("  Dunn split of the peak current (k1 v + k2 v^0.5): k1 {:.4g} A s/V, k2 {:.4g} A (s/V)^0.5; surface part",
                   d->k1_A_s_V, d->k2_A_s05_V05);
        for (std::size_t k = 0; k < d->scan_rate_V_s.size(); ++k)
          fmt::print(" {:.0f} % at {:.3g} mV/s{}", 100 * d->capacitive_fraction[k], d->scan_rate_V_s[k] * 1e3,
                     k + 1 < d->scan_rate_V_s.size() ? "," : "");
        fmt::print("\n");
      }
    }
    if (s.anodic_D_cm2_s || s.cathodic_D_cm2_s) fmt::print("({})\n", s.randles_sevcik_assumptions);
    for (const auto& w : s.warnings) fmt::print("WARNING: {}\n", w);
    for (const auto& w : s.warnings) fig.warnings.push_back(w);
  }
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
  cv_cmd->add_flag("--strict", c->strict, "treat warnings (about a file, b-value far from 0.5 for Randles-Sevcik) as errors (exit status 2)");
  cv_cmd->callback([c] { run_cv(*c); });
}

}  // namespace castor::cli
