#include "castor/xps/xps_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"

namespace castor::xps {

const XpsBlock& pick_block(const std::vector<XpsBlock>& blocks, const std::string& want, const std::string& file) {
  if (want.empty() && blocks.size() == 1) return blocks.front();
  auto squeeze = [](const std::string& t) {
    std::string o;
    for (char ch : t)
      if (ch != ' ' && ch != '\t' && ch != '\r') o.push_back(ch);
    return o;
  };
  const std::string w = squeeze(want);
  auto meta = [](const XpsBlock& b, const char* k) {
    const auto it = b.meta.find(k);
    return it == b.meta.end() ? std::string() : it->second;
  };
  for (const auto& b : blocks)
    if (squeeze(b.id) == w || squeeze(b.region.name) == w || (!meta(b, "species").empty() && squeeze(meta(b, "species")) == w)) return b;
  if (!want.empty() && want.find_first_not_of("0123456789") == std::string::npos && want.size() < 10) {
    const auto n = static_cast<std::size_t>(parse_integer(want, "--block", 1, 1000000000));
    if (n >= 1 && n <= blocks.size()) return blocks[n - 1];
  }
  throw Error(file, "XPS",
              want.empty() ? fmt::format("the file holds {} blocks: say which (--block; see castor xps blocks)", blocks.size())
                           : fmt::format("no block '{}' (see castor xps blocks)", want),
              ErrorKind::usage);
}

std::vector<Component> starting_components(const Region& r, const std::vector<double>& bg, const RegionFitRequest& q) {
  if (q.positions_eV.empty()) throw Error("an XPS fit needs starting positions (--peaks BE1 BE2 ...)", ErrorKind::usage);
  double peak_area = 0;
  for (std::size_t i = 0; i < r.counts.size(); ++i) peak_area += std::max(0.0, r.counts[i] - bg[i]);
  peak_area *= std::fabs(r.be_eV.back() - r.be_eV.front()) / static_cast<double>(r.counts.size());
  std::vector<Component> comps;
  for (std::size_t k = 0; k < q.positions_eV.size(); ++k) {
    Component c;
    c.name = k < q.names.size() ? q.names[k] : fmt::format("C{}", k + 1);
    c.position_eV = q.positions_eV[k];
    c.fwhm_eV = q.fwhm_eV;
    c.area = peak_area / static_cast<double>(q.positions_eV.size());
    c.shape = q.shape;
    if (q.doublet_splitting_eV > 0)
      c.doublet_splitting_eV = q.doublet_splitting_eV, c.doublet_area_ratio = q.doublet_area_ratio,
      c.doublet_fwhm_factor = q.doublet_fwhm_factor;
    if (q.common_width) c.width_group = "all";
    comps.push_back(c);
  }
  return comps;
}

RegionFitRun fit_block(const std::vector<XpsBlock>& blocks, const std::string& block, const std::string& source,
                       const RegionFitRequest& q) {
  RegionFitRun run;
  run.source = source;
  const auto& b = pick_block(blocks, block, source);
  run.block = b.id;
  run.region = b.region;
  if (!q.charge_block.empty()) {
    const auto& c = pick_block(blocks, q.charge_block, source).region;
    const auto m = static_cast<std::size_t>(std::max_element(c.counts.begin(), c.counts.end()) - c.counts.begin());
    run.region = shift(run.region, c.be_eV[m], q.charge_reference_eV);
    run.charge_text =
        fmt::format("charge correction: {} maximum {:.2f} eV -> {:.2f} eV", q.charge_block, c.be_eV[m], q.charge_reference_eV);
  }
  if (q.to_eV > q.from_eV) run.region = crop(run.region, q.from_eV, q.to_eV);
  if (q.background == "linear") {
    run.background = linear_background(run.region);
  } else if (q.background == "shirley") {
    run.background = shirley_background(run.region);
  } else if (q.background == "tougaard") {
    run.background = tougaard_background(run.region, q.tougaard);
    run.background_text =
        fmt::format("Tougaard B = {:.5g} eV^2{}", q.tougaard.B > 0 ? q.tougaard.B : tougaard_auto_B(run.region, q.tougaard),
                    q.tougaard.B > 0 ? "" : " (meets the high-BE end)");
  } else {
    throw Error(fmt::format("unknown XPS background '{}' (shirley, tougaard, linear)", q.background), ErrorKind::usage);
  }
  run.fit = fit_region(run.region, starting_components(run.region, run.background, q), run.background, q.settings);
  run.fractions = area_fractions(run.fit);
  if (!q.states.empty()) {
    run.average_state = average_oxidation_state(run.fit, q.states);
    if (q.redox_atoms > 0 && q.ion_charge > 0) {
      // The reduced fraction relative to the highest state given.
      const double top = *std::max_element(q.states.begin(), q.states.end());
      run.reduced_fraction = std::clamp(top - *run.average_state, 0.0, 1.0);
      run.inserted_ions = ions_from_reduced_fraction(*run.reduced_fraction, q.redox_atoms, q.ion_charge);
    }
  }
  return run;
}

report::Report to_report(const RegionFitRun& run, const RegionFitRequest& q) {
  const auto& fit = run.fit;
  report::Report rep;
  rep.analysis = "xps-fit";
  rep.source = run.source;
  rep.summary =
      fmt::format("{}: {} points, {} background, {}", run.region.name, run.region.counts.size(), q.background, to_string(q.shape));
  report::ReportTable t;
  t.name = "components";
  std::vector<std::string> names;
  std::vector<double> be, fw, area;
  for (const auto& c : fit.components)
    names.push_back(c.name), be.push_back(c.position_eV), fw.push_back(c.fwhm_eV), area.push_back(c.area);
  t.add_texts("component", names);
  t.add_numbers("BE", "eV", be, "{:.3f}", "BE eV");
  t.add_numbers("BE_error", "eV", fit.position_error, "{:.3f}", "+-");
  t.add_numbers("FWHM", "eV", fw, "{:.3f}", "FWHM eV");
  t.add_numbers("FWHM_error", "eV", fit.fwhm_error, "{:.3f}", "+-");
  t.add_numbers("area", "", area, "{:.1f}", "area");
  t.add_numbers("area_error", "", fit.area_error, "{:.1f}", "+-");
  t.add_numbers("fraction", "", run.fractions, "{:.2f}", "frac %", 100);
  rep.tables.push_back(std::move(t));
  report::ReportTable curve;
  curve.name = "curves";
  curve.in_text = false;
  curve.add_numbers("BE", "eV", fit.be_eV);
  curve.add_numbers("counts", "", fit.counts);
  curve.add_numbers("background", "", fit.background);
  curve.add_numbers("envelope", "", fit.envelope);
  for (std::size_t k = 0; k < fit.components.size(); ++k) curve.add_numbers(fit.components[k].name, "", component_curve(fit, k));
  rep.tables.push_back(std::move(curve));
  if (!run.charge_text.empty()) rep.notes.push_back(run.charge_text);
  if (!run.background_text.empty()) rep.notes.push_back(run.background_text);
  rep.notes.push_back(fmt::format("residual rms {:.3g}; widths bounded to {:.3g}-{:.3g} eV by the {}", fit.residual_rms, fit.fwhm_min_eV,
                                  fit.fwhm_max_eV,
                                  q.settings.instrument_fwhm_eV > 0 ? "instrument's resolution and the region" : "region"));
  rep.values.push_back({"residual_rms", "residual rms", fit.residual_rms, "", ""});
  rep.values.back().in_text = false;
  if (run.average_state) rep.values.push_back({"average_oxidation_state", "average oxidation state", *run.average_state, "", ""});
  if (run.inserted_ions)
    rep.values.push_back(
        {"inserted_ions_per_formula_unit", "inserted ions per formula unit", *run.inserted_ions, "",
         fmt::format("reduced fraction {:.4f}, ion charge {}, {:g} redox atoms", *run.reduced_fraction, q.ion_charge, q.redox_atoms)});
  rep.warnings = fit.warnings;
  return rep;
}

report::Figure figure(const RegionFitRun& run) {
  const auto& fit = run.fit;
  report::Figure fig;
  fig.title = fmt::format("XPS {} - {}", run.region.name, std::filesystem::path(run.source).filename().string());
  fig.xlabel = "Binding energy (eV)";
  fig.ylabel = "Counts";
  fig.reverse_x = true;  // high to low, as XPS papers draw it
  fig.warnings = fit.warnings;
  fig.series.push_back({"data", fit.be_eV, fit.counts, "points pt 7 ps 0.5", false});
  fig.series.push_back({"background", fit.be_eV, fit.background, "lines dt 2", false});
  fig.series.push_back({"envelope", fit.be_eV, fit.envelope, "lines lw 2", false});
  for (std::size_t k = 0; k < fit.components.size(); ++k) {
    report::Series s{fit.components[k].name, fit.be_eV, component_curve(fit, k), "lines", false};
    for (std::size_t i = 0; i < s.y.size(); ++i) s.y[i] += fit.background[i];
    fig.series.push_back(s);
  }
  return fig;
}

}  // namespace castor::xps
