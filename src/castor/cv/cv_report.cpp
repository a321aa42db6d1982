#include "castor/cv/cv_report.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor::cv {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double potential(const std::optional<CvPeak>& p) { return p ? p->potential_V : kNaN; }
double height(const std::optional<CvPeak>& p) { return p ? p->height_A : kNaN; }
double current(const std::optional<CvPeak>& p) { return p ? p->current_A : kNaN; }

}  // namespace

ScanRatePoint scan_rate_point(const CvRun& run, int cycle) {
  for (const auto& c : run.result.cycles)
    if (c.cycle == cycle)
      return {run.result.scan_rate_V_s, c.anodic ? std::optional<double>(c.anodic->height_A) : std::nullopt,
              c.cathodic ? std::optional<double>(c.cathodic->height_A) : std::nullopt};
  throw Error(run.source, "CV", fmt::format("no cycle {} for the scan-rate analysis ({} cycles found)", cycle, run.result.cycles.size()));
}

report::Report to_report(const std::vector<CvRun>& runs, const std::optional<ScanRateResult>& s, const ScanRateInputs& in) {
  report::Report rep;
  rep.analysis = "cv";
  for (const auto& run : runs) rep.source += (rep.source.empty() ? "" : ", ") + run.source;
  report::ReportTable all;
  all.name = "peaks";
  all.in_text = false;
  std::vector<std::string> files;
  std::vector<double> cycle, rate, epa, ipa, ha, epc, ipc, hc, ehalf, dep;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const auto& r = runs[k].result;
    report::ReportTable t;
    t.name = fmt::format("cycles_{}", k + 1);
    t.caption = fmt::format("{}: {} sweeps, scan rate {:.4g} mV/s", runs[k].source, r.sweeps.size(), r.scan_rate_V_s * 1e3);
    std::vector<double> c, a, ia, ca, ic, eh, sep;
    for (const auto& cy : r.cycles) {
      c.push_back(cy.cycle), a.push_back(potential(cy.anodic)), ia.push_back(height(cy.anodic));
      ca.push_back(potential(cy.cathodic)), ic.push_back(height(cy.cathodic));
      eh.push_back(cy.e_half_V), sep.push_back(cy.separation_V);
      files.push_back(runs[k].source), cycle.push_back(cy.cycle), rate.push_back(r.scan_rate_V_s);
      epa.push_back(potential(cy.anodic)), ipa.push_back(current(cy.anodic)), ha.push_back(height(cy.anodic));
      epc.push_back(potential(cy.cathodic)), ipc.push_back(current(cy.cathodic)), hc.push_back(height(cy.cathodic));
      ehalf.push_back(cy.e_half_V), dep.push_back(cy.separation_V);
    }
    t.add_numbers("cycle", "", c, "{:.0f}", "cycle");
    t.add_numbers("Epa", "V", a, "{:.4f}", "Epa V");
    t.add_numbers("ipa_above_baseline", "A", ia, "{:.4g}", "ipa mA", 1e3);
    t.add_numbers("Epc", "V", ca, "{:.4f}", "Epc V");
    t.add_numbers("ipc_below_baseline", "A", ic, "{:.4g}", "ipc mA", 1e3);
    t.add_numbers("E_half", "V", eh, "{:.4f}", "E1/2 V");
    t.add_numbers("dEp", "V", sep, "{:.1f}", "dEp mV", 1e3);
    rep.tables.push_back(std::move(t));
    for (const auto& w : runs[k].table.meta.warnings) rep.warnings.push_back(fmt::format("{} ({})", w, runs[k].source));
  }
  all.add_texts("file", files);
  all.add_numbers("cycle", "", cycle);
  all.add_numbers("scan_rate", "V/s", rate);
  all.add_numbers("Epa", "V", epa);
  all.add_numbers("ipa", "A", ipa);
  all.add_numbers("ipa_above_baseline", "A", ha);
  all.add_numbers("Epc", "V", epc);
  all.add_numbers("ipc", "A", ipc);
  all.add_numbers("ipc_below_baseline", "A", hc);
  all.add_numbers("E_half", "V", ehalf);
  all.add_numbers("dEp", "V", dep);
  rep.tables.push_back(std::move(all));
  if (s) {
    for (int side = 0; side < 2; ++side) {
      const auto& fit = side == 0 ? s->anodic : s->cathodic;
      if (!fit) continue;
      const std::string name = side == 0 ? "anodic" : "cathodic";
      rep.values.push_back({"b_" + name, name + " peaks: b", fit->slope, "",
                            fmt::format("log|ip| vs log v slope, r2 {:.4f}; 0.5 = diffusion, 1 = surface", fit->r2)});
      if (const auto& D = side == 0 ? s->anodic_D_cm2_s : s->cathodic_D_cm2_s)
        rep.values.push_back({"D_randles_sevcik_" + name, name + " peaks: Randles-Sevcik D", *D, "cm2/s",
                              fmt::format("n = {}, A = {:g} cm2, C = {:g} mM", in.electrons, in.area_cm2, in.concentration_mM)});
      if (const auto& d = side == 0 ? s->anodic_dunn : s->cathodic_dunn) {
        std::string line =
            fmt::format("{} peaks: Dunn split of the peak current (k1 v + k2 v^0.5): k1 {:.4g} A s/V, k2 {:.4g} A (s/V)^0.5; surface part",
                        name, d->k1_A_s_V, d->k2_A_s05_V05);
        for (std::size_t k = 0; k < d->scan_rate_V_s.size(); ++k)
          line += fmt::format(" {:.0f} % at {:.3g} mV/s{}", 100 * d->capacitive_fraction[k], d->scan_rate_V_s[k] * 1e3,
                              k + 1 < d->scan_rate_V_s.size() ? "," : "");
        rep.notes.push_back(line);
      }
    }
    if (s->anodic_D_cm2_s || s->cathodic_D_cm2_s) rep.notes.push_back("(" + s->randles_sevcik_assumptions + ")");
    rep.warnings.insert(rep.warnings.end(), s->warnings.begin(), s->warnings.end());
  }
  return rep;
}

report::Figure figure(const std::vector<CvRun>& runs, const std::optional<ScanRateResult>& s) {
  report::Figure fig;
  if (runs.empty()) throw Error("CV figure: no voltammogram to draw", ErrorKind::usage);
  fig.title = "Cyclic voltammetry (peaks marked) - " + std::filesystem::path(runs.front().source).filename().string() +
              (runs.size() > 1 ? fmt::format(" and {} more", runs.size() - 1) : "");
  fig.xlabel = "Potential (V)";
  fig.ylabel = "Current (mA)";
  fig.key = "top left";
  for (const auto& run : runs) {
    const auto& r = run.result;
    fig.warnings.insert(fig.warnings.end(), run.table.meta.warnings.begin(), run.table.meta.warnings.end());
    report::Series line{runs.size() > 1
                            ? fmt::format("{:.3g} mV/s", r.scan_rate_V_s * 1e3)
                            : fmt::format("{} ({:.3g} mV/s)", std::filesystem::path(run.source).filename().string(), r.scan_rate_V_s * 1e3),
                        {},
                        {},
                        "lines",
                        false};
    const auto& v = run.table.values(col::voltage_V);
    const auto& i = run.table.values(col::current_A);
    for (std::size_t k = 0; k < run.table.rows(); ++k) line.x.push_back(v[k]), line.y.push_back(i[k] * 1e3);
    fig.series.push_back(line);
    report::Series pk{"", {}, {}, "points pt 7 ps 1.3 lc rgb 'black'", false};
    for (const auto& sw : r.sweeps)
      for (const auto* p : {&sw.anodic, &sw.cathodic})
        if (*p) pk.x.push_back((*p)->potential_V), pk.y.push_back((*p)->current_A * 1e3);
    if (!pk.x.empty()) fig.series.push_back(pk);
  }
  if (s) fig.warnings.insert(fig.warnings.end(), s->warnings.begin(), s->warnings.end());
  return fig;
}

}  // namespace castor::cv
