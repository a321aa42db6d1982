#include "xps_commands.h"

#include <filesystem>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/report/gnuplot.h"
#include "castor/xps/read_xps.h"
#include "castor/xps/xps.h"
#include "castor/xps/xps_report.h"
#include "castor/report/report.h"
#include "report_output.h"
#include "strict.h"

namespace castor::cli {
namespace {

struct XpsFlags {
  std::string file, block, background = "shirley", plot, output, charge_block, shape;
  std::vector<double> peaks, states;
  double redox_atoms = 0;
  int ion_charge = 0;
  std::vector<std::string> names;
  double doublet = 0, ratio = 0.5, doublet_width = 1.0, gl = 30, fwhm = 1.2, charge_ref = 284.8, lo = 0, hi = 0;
  double resolution_eV = 0;
  double tougaard_B = 0, tougaard_C = 1643, tougaard_D = 0, tougaard_gap = 0;
  bool common_width = false, strict = false;
};

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
  xps::RegionFitRequest q;
  q.positions_eV = f.peaks;
  q.names = f.names;
  q.shape.m = f.gl;
  if (!f.shape.empty()) q.shape = xps::parse_line_shape(f.shape);
  q.fwhm_eV = f.fwhm;
  q.doublet_splitting_eV = f.doublet, q.doublet_area_ratio = f.ratio, q.doublet_fwhm_factor = f.doublet_width;
  q.common_width = f.common_width;
  q.background = f.background;
  q.tougaard = xps::Tougaard{f.tougaard_B, f.tougaard_C, f.tougaard_D, f.tougaard_gap, 3};
  q.from_eV = f.lo, q.to_eV = f.hi;
  q.charge_block = f.charge_block, q.charge_reference_eV = f.charge_ref;
  q.settings.instrument_fwhm_eV = f.resolution_eV;
  q.states = f.states, q.redox_atoms = f.redox_atoms, q.ion_charge = f.ion_charge;
  const auto run = xps::fit_block(blocks, f.block, f.file, q);
  const auto rep = xps::to_report(run, q);
  report::write_text(rep, std::cout);
  write_report(rep, f.output, "components");
  if (!f.plot.empty()) {
    report::draw(xps::figure(run), f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
  refuse_if_strict(f.strict, run.fit.warnings, f.file, "XPS");
}

}  // namespace

void add_xps_commands(CLI::App& app) {
  auto f = std::make_shared<XpsFlags>();
  auto* x = app.add_subcommand("xps", "XPS: VAMAS blocks, backgrounds and constrained peak fits");
  x->require_subcommand(1);
  auto* blocks = x->add_subcommand("blocks", "List the blocks (regions) of an XPS file: VAMAS, PHI .spe, SPECS .xy, two-column CSV");
  blocks->add_option("FILE", f->file, "XPS file")->required();
  blocks->callback([f] { run_blocks(*f); });
  auto* fit =
      x->add_subcommand("fit", "Fit one block: Shirley, Tougaard or linear background; GL, SGL, Voigt or LA/LF components; doublets");
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
  fit->add_option("-o,--output", f->output, "the components as .csv, or everything (components, curves, warnings) as .json");
  fit->callback([f] { run_fit(*f); });
}

}  // namespace castor::cli
