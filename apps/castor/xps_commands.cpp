#include "xps_commands.h"

#include <filesystem>
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/report/gnuplot.h"
#include "castor/xps/read_xps.h"
#include "castor/xps/xps.h"
#include "strict.h"

namespace castor::cli {
namespace {

struct XpsFlags {
  std::string file, block, background = "shirley", plot, charge_block, shape;
  std::vector<double> peaks, states;
  double redox_atoms = 0;
  int ion_charge = 0;
  std::vector<std::string> names;
  double doublet = 0, ratio = 0.5, doublet_width = 1.0, gl = 30, fwhm = 1.2, charge_ref = 284.8, lo = 0, hi = 0;
  double resolution_eV = 0;
  double tougaard_B = 0, tougaard_C = 1643, tougaard_D = 0, tougaard_gap = 0;
  bool common_width = false, strict = false;
};

const xps::XpsBlock& pick(const std::vector<xps::XpsBlock>& blocks, const std::string& want, const std::string& file) {
  auto squeeze = [](const std::string& t) {
    std::string o;
    for (char ch : t)
      if (ch != ' ' && ch != '\t' && ch != '\r') o.push_back(ch);
    return o;
  };
  const std::string w = squeeze(want);
  auto meta = [](const xps::XpsBlock& b, const char* k) {
    const auto it = b.meta.find(k);
    return it == b.meta.end() ? std::string() : it->second;
  };
  for (const auto& b : blocks)
    if (squeeze(b.id) == w || squeeze(b.region.name) == w || (!meta(b, "species").empty() && squeeze(meta(b, "species")) == w)) return b;
  if (!want.empty() && want.find_first_not_of("0123456789") == std::string::npos && want.size() < 10) {
    const auto n = static_cast<std::size_t>(parse_integer(want, "--block", 1, 1000000000));
    if (n >= 1 && n <= blocks.size()) return blocks[n - 1];
  }
  throw Error(file, "XPS", fmt::format("no block '{}' (see castor xps blocks)", want));
}

void run_blocks(const XpsFlags& f) {
  const auto blocks = xps::read_xps(f.file);
  fmt::print("{}: {} blocks\n{:>3} {:<20} {:<10} {:>6} {:>18} {:>10} {}\n", f.file, blocks.size(), "#", "block", "region", "points",
             "BE range eV", "source eV", "unit");
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    const auto& r = blocks[k].region;
    const auto [lo, hi] = std::minmax_element(r.be_eV.begin(), r.be_eV.end());
    fmt::print("{:>3} {:<20} {:<10} {:>6} {:>8.2f} - {:>7.2f} {:>10.2f} {}\n", k + 1, blocks[k].id, r.name, r.be_eV.size(), *lo, *hi,
               blocks[k].source_energy_eV, blocks[k].intensity_unit);
  }
}

void run_fit(const XpsFlags& f) {
  const auto blocks = xps::read_xps(f.file);
  xps::Region r = f.block.empty() && blocks.size() == 1 ? blocks[0].region : pick(blocks, f.block, f.file).region;
  if (!f.charge_block.empty()) {
    // Charge correction: the maximum of the reference block (C 1s) moves to charge_ref.
    const auto& c = pick(blocks, f.charge_block, f.file).region;
    const auto m = std::max_element(c.counts.begin(), c.counts.end()) - c.counts.begin();
    r = xps::shift(r, c.be_eV[static_cast<std::size_t>(m)], f.charge_ref);
    fmt::print("charge correction: {} maximum {:.2f} eV -> {:.2f} eV\n", f.charge_block, c.be_eV[static_cast<std::size_t>(m)], f.charge_ref);
  }
  if (f.hi > f.lo) r = xps::crop(r, f.lo, f.hi);
  if (f.peaks.empty()) throw Error("castor xps fit needs --peaks BE1,BE2,... (initial positions)");
  std::vector<double> bg;
  if (f.background == "linear") {
    bg = xps::linear_background(r);
  } else if (f.background == "shirley") {
    bg = xps::shirley_background(r);
  } else if (f.background == "tougaard") {
    const xps::Tougaard t{f.tougaard_B, f.tougaard_C, f.tougaard_D, f.tougaard_gap, 3};
    bg = xps::tougaard_background(r, t);
    fmt::print("Tougaard B = {:.5g} eV^2{}\n", f.tougaard_B > 0 ? f.tougaard_B : xps::tougaard_auto_B(r, t), f.tougaard_B > 0 ? "" : " (meets the high-BE end)");
  } else {
    throw Error(fmt::format("castor xps fit: unknown --background '{}' (shirley, tougaard, linear)", f.background));
  }
  xps::LineShape shape;
  shape.m = f.gl;
  if (!f.shape.empty()) shape = xps::parse_line_shape(f.shape);
  std::vector<xps::Component> comps;
  double peak_area = 0;
  for (std::size_t i = 0; i < r.counts.size(); ++i) peak_area += std::max(0.0, r.counts[i] - bg[i]);
  peak_area *= std::fabs(r.be_eV.back() - r.be_eV.front()) / static_cast<double>(r.counts.size());
  for (std::size_t k = 0; k < f.peaks.size(); ++k) {
    xps::Component c;
    c.name = k < f.names.size() ? f.names[k] : fmt::format("C{}", k + 1);
    c.position_eV = f.peaks[k];
    c.fwhm_eV = f.fwhm;
    c.area = peak_area / static_cast<double>(f.peaks.size());
    c.shape = shape;
    if (f.doublet > 0) c.doublet_splitting_eV = f.doublet, c.doublet_area_ratio = f.ratio, c.doublet_fwhm_factor = f.doublet_width;
    if (f.common_width) c.width_group = "all";
    comps.push_back(c);
  }
  xps::FitSettings settings;
  settings.instrument_fwhm_eV = f.resolution_eV;
  const auto fit = xps::fit_region(r, comps, bg, settings);
  const auto frac = xps::area_fractions(fit);
  fmt::print("{} {}: {} points, {} background, {}\n{:<10} {:>10} {:>8} {:>8} {:>8} {:>12} {:>8}\n", f.file, r.name, r.counts.size(),
             f.background, xps::to_string(shape), "component", "BE eV", "+-", "FWHM", "+-", "area", "frac %");
  for (std::size_t k = 0; k < fit.components.size(); ++k) {
    const auto& c = fit.components[k];
    fmt::print("{:<10} {:>10.3f} {:>8.3f} {:>8.3f} {:>8.3f} {:>12.1f} {:>8.2f}\n", c.name, c.position_eV, fit.position_error[k], c.fwhm_eV,
               fit.fwhm_error[k], c.area, 100 * frac[k]);
  }
  fmt::print("residual rms {:.3g}; widths bounded to {:.3g}-{:.3g} eV by the {}\n", fit.residual_rms, fit.fwhm_min_eV,
             fit.fwhm_max_eV, f.resolution_eV > 0 ? "instrument's resolution and the region" : "region");
  for (const auto& w : fit.warnings) fmt::print("WARNING: {}\n", w);
  if (!f.states.empty()) {
    const double avg = xps::average_oxidation_state(fit, f.states);
    fmt::print("average oxidation state {:.3f}\n", avg);
    if (f.redox_atoms > 0 && f.ion_charge > 0) {
      // The reduced fraction relative to the highest state given.
      const double top = *std::max_element(f.states.begin(), f.states.end());
      const double reduced = std::clamp(top - avg, 0.0, 1.0);
      fmt::print("reduced fraction {:.4f} -> {:.4f} inserted ions (charge {}) per formula unit with {} redox atoms\n", reduced,
                 xps::ions_from_reduced_fraction(reduced, f.redox_atoms, f.ion_charge), f.ion_charge, f.redox_atoms);
    }
  }
  if (!f.plot.empty()) {
    report::Figure fig;
    fig.title = fmt::format("XPS {} - {}", r.name, std::filesystem::path(f.file).filename().string());
    fig.xlabel = "Binding energy (eV)";
    fig.ylabel = "Counts";
    fig.reverse_x = true;  // high to low, as XPS papers draw it
    fig.warnings = fit.warnings;
    fig.series.push_back({"data", fit.be_eV, fit.counts, "points pt 7 ps 0.5", false});
    fig.series.push_back({"background", fit.be_eV, fit.background, "lines dt 2", false});
    fig.series.push_back({"envelope", fit.be_eV, fit.envelope, "lines lw 2", false});
    for (std::size_t k = 0; k < fit.components.size(); ++k) {
      report::Series s{fit.components[k].name, fit.be_eV, xps::component_curve(fit, k), "lines", false};
      for (std::size_t i = 0; i < s.y.size(); ++i) s.y[i] += fit.background[i];
      fig.series.push_back(s);
    }
    report::draw(fig, f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  refuse_if_strict(f.strict, fit.warnings, f.file, "XPS");
}

}  // namespace

void add_xps_commands(CLI::App& app) {
  auto f = std::make_shared<XpsFlags>();
  auto* x = app.add_subcommand("xps", "XPS: VAMAS blocks, backgrounds and constrained peak fits");
  x->require_subcommand(1);
  auto* blocks = x->add_subcommand("blocks", "List the blocks (regions) of an XPS file: VAMAS, PHI .spe, SPECS .xy, two-column CSV");
  blocks->add_option("FILE", f->file, "XPS file")->required();
  blocks->callback([f] { run_blocks(*f); });
  auto* fit = x->add_subcommand("fit", "Fit one block: Shirley, Tougaard or linear background; GL, SGL, Voigt or LA/LF components; doublets");
  fit->add_flag("--strict", f->strict, "treat the fit's warnings (background across the data, width on a bound) as errors");
  fit->add_option("FILE", f->file, "XPS file (VAMAS, PHI .spe, SPECS .xy, two-column CSV)")->required();
  fit->add_option("--block", f->block, "block id, 'Ti 2p', or number from 1 (may be left out when the file has one block)");
  fit->add_option("--peaks", f->peaks, "initial binding energies, e.g. 458.5 456.5")->required();
  fit->add_option("--names", f->names, "component names, e.g. Ti4+ Ti3+");
  fit->add_option("--doublet", f->doublet, "spin-orbit splitting (eV); 0 = singlets");
  fit->add_option("--ratio", f->ratio, "doublet area ratio (p 0.5, d 0.667, f 0.75)")->capture_default_str();
  fit->add_option("--doublet-width", f->doublet_width, "FWHM factor of the second doublet peak")->capture_default_str();
  fit->add_flag("--common-width", f->common_width, "one FWHM for all components");
  fit->add_option("--gl", f->gl, "Lorentzian share m of GL(m)")->capture_default_str();
  fit->add_option("--shape", f->shape, "line shape: GL(m), SGL(m), V(m), LA(a,b,gauss_eV), LF(a,b,damp_eV,gauss_eV); overrides --gl");
  fit->add_option("--fwhm", f->fwhm, "initial FWHM (eV)")->capture_default_str();
  fit->add_option("--resolution-eV", f->resolution_eV,
                  "instrument resolution (FWHM, eV; e.g. 0.5 for a monochromated Al Ka source at 20 eV pass energy): no "
                  "component is fitted narrower")
      ->check(CLI::NonNegativeNumber);
  fit->add_option("--background", f->background, "shirley, tougaard or linear")->capture_default_str();
  fit->add_option("--tougaard-B", f->tougaard_B, "Tougaard B (eV^2); 0 = meet the high-BE end");
  fit->add_option("--tougaard-C", f->tougaard_C, "Tougaard C (eV^2)")->capture_default_str();
  fit->add_option("--tougaard-D", f->tougaard_D, "Tougaard D (eV^2); > 0 selects the three-parameter cross-section");
  fit->add_option("--tougaard-gap", f->tougaard_gap, "Tougaard cross-section zero below this energy loss (eV)");
  fit->add_option("--from", f->lo, "background window start (BE, eV)");
  fit->add_option("--to", f->hi, "background window end (BE, eV)");
  fit->add_option("--charge-block", f->charge_block, "reference block for charge correction, e.g. 'C 1s'");
  fit->add_option("--charge-ref", f->charge_ref, "reference binding energy")->capture_default_str();
  fit->add_option("--states", f->states, "oxidation state of each component, e.g. 4 3 (prints the average)");
  fit->add_option("--redox-atoms", f->redox_atoms, "redox atoms per formula unit (2 Ti in NaTi2(PO4)3), with --states and --ion-charge");
  fit->add_option("--ion-charge", f->ion_charge, "charge of the inserted ion (Ca 2): prints inserted ions per formula unit");
  fit->add_option("--plot", f->plot, "figure of the fit (.png, .pdf or .svg)");
  fit->callback([f] { run_fit(*f); });
}

}  // namespace castor::cli
