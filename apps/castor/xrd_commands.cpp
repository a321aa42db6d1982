#include "xrd_commands.h"
#include "terminal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/constants.h"
#include "castor/report/gnuplot.h"
#include "castor/xrd/crystal.h"
#include "castor/xrd/pattern.h"
#include "castor/xrd/phases.h"
#include "castor/xrd/profile.h"
#include "castor/xrd/refine.h"
#include "castor/xrd/xrd_report.h"
#include "castor/report/report.h"
#include "strict.h"

namespace castor::cli {
namespace {

struct XrdFlags {
  std::string file, plot, output;
  std::vector<std::string> cifs, index, files, po;
  std::vector<double> wavelengths;  // ka1 [ka2 [ratio]]
  double lo = 0, hi = 180, tolerance = 0.1, instrument_fwhm = 0, prominence = 8, mono = 0;
  double U = 0.004, V = -0.002, W = 0.002, X = 0.0, Y = 0.03;
  int background_terms = 6;
  std::size_t max_peaks = 30;
  bool le_bail = false, displacement = false, fixed_structure = false, strict = false;
};

xrd::Instrument instrument(const XrdFlags& f, const xrd::Pattern* p) { return xrd::instrument_for(p, f.wavelengths, f.mono); }

// Writes a figure and says so.
void draw(const report::Figure& fig, const std::string& out) {
  report::draw(fig, out);
  fmt::print(stderr, "wrote {}\n", out);
}

xrd::Crystal read_named_cif(const std::string& file) {
  auto x = xrd::read_cif(file);
  if (x.name.empty() || x.name == "global") x.name = std::filesystem::path(file).stem().string();
  return x;
}

void run_reflections(const XrdFlags& f) {
  if (f.cifs.size() != 1) throw Error("castor xrd reflections needs one --cif", ErrorKind::usage);
  const auto x = read_named_cif(f.cifs[0]);
  const auto in = instrument(f, nullptr);
  const double hi = f.hi < 180 ? f.hi : 90;
  const auto rep = xrd::reflections_report(x, in.ka1_Ang, f.lo, hi, f.mono);
  report::write_text(rep, std::cout);
  if (!f.output.empty()) report::write_file(rep, f.output, "reflections");
  if (!f.plot.empty()) draw(xrd::sticks_figure(x, in.ka1_Ang, f.lo, hi, f.mono), f.plot);
}

void run_peaks(const XrdFlags& f) {
  const auto p = xrd::crop(xrd::read_pattern(f.file), f.lo, f.hi);
  const auto search = xrd::search_peaks(p, instrument(f, &p), f.prominence, f.max_peaks, f.instrument_fwhm);
  const auto rep = xrd::to_report(search);
  report::write_text(rep, std::cout);
  if (!f.output.empty()) report::write_file(rep, f.output, "peaks");
  refuse_if_strict(f.strict, search.warnings, f.file, "XRD");
  if (!f.plot.empty())
    draw(xrd::figure(search, fmt::format("{}: {} peaks", std::filesystem::path(f.file).filename().string(), search.peaks.size())), f.plot);
}

void run_refine(const XrdFlags& f) {
  if (f.cifs.empty()) throw Error("castor xrd refine needs --cif (the starting structure; repeat for several phases)");
  const auto p = xrd::read_pattern(f.file);
  std::vector<xrd::Crystal> xs;
  for (const auto& c : f.cifs) xs.push_back(read_named_cif(c));
  const auto in = instrument(f, &p);
  xrd::RefineSettings s;
  s.le_bail = f.le_bail;
  s.displacement = f.displacement;
  s.uiso = s.positions = !f.fixed_structure;
  s.two_theta_min_deg = f.lo, s.two_theta_max_deg = f.hi;
  s.background_terms = f.background_terms;
  for (const auto& a : f.po) {
    if (a == "none")
      s.preferred_orientation.emplace_back();
    else
      s.preferred_orientation.emplace_back(xrd::parse_hkl(a, "--po"));
  }
  std::string names;
  for (const auto& x : xs) names += (names.empty() ? "" : " + ") + x.name;
  fmt::print(stderr, "refining {} against {} ({}) ...\n", names, f.file, f.le_bail ? "Le Bail" : "Rietveld");
  bool progressed = false;
  if (cli::show_progress(false))
    s.progress = [&](const std::string& line) {
      fmt::print(stderr, "\r  {}   ", line);
      progressed = true;
    };
  const auto r = xrd::refine(p, xs, in, xrd::Caglioti{f.U, f.V, f.W, f.X, f.Y}, s);
  if (progressed) fmt::print(stderr, "\n");
  const auto rep = xrd::to_report(r, f.file, names, f.le_bail);
  report::write_text(rep, std::cout);
  if (!f.output.empty()) report::write_file(rep, f.output, "parameters");
  refuse_if_strict(f.strict, r.warnings, f.file, "XRD");
  if (!f.plot.empty())
    draw(xrd::refinement_figure(
             r, fmt::format("{} - {} ({})", std::filesystem::path(f.file).filename().string(), names, f.le_bail ? "Le Bail" : "Rietveld")),
         f.plot);
}

void run_phases(const XrdFlags& f) {
  if (f.cifs.empty()) throw Error("castor xrd phases needs --cif files of the candidate phases");
  auto p = xrd::crop(xrd::read_pattern(f.file), f.lo, f.hi);
  p.ka1_Ang = instrument(f, &p).ka1_Ang;
  std::vector<xrd::Crystal> c;
  for (const auto& file : f.cifs) c.push_back(read_named_cif(file));
  const auto sc = xrd::identify_phases(p, c, f.tolerance);
  const auto rep = xrd::to_report(sc, f.file, f.tolerance);
  report::write_text(rep, std::cout);
  if (!f.output.empty()) report::write_file(rep, f.output, "phases");
  if (!f.plot.empty()) draw(xrd::phases_figure(p, sc, c, fmt::format("{}: candidate phases", f.file)), f.plot);
}

// One peak followed through several patterns (e.g. ex-situ electrodes at different states
// of charge): position, d, FWHM, area and the shift from the first pattern.
void run_track(const XrdFlags& f) {
  if (!(f.hi > f.lo) || f.hi >= 180) throw Error("castor xrd track needs the peak window --from A --to B (deg)");
  fmt::print("peak in {:.3f}-{:.3f} deg\n{:<40} {:>10} {:>8} {:>9} {:>8} {:>12} {:>10}\n", f.lo, f.hi, "pattern", "2th (deg)", "+-",
             "d (A)", "FWHM", "area", "shift");
  double first = 0;
  std::vector<double> order, shift;
  for (std::size_t k = 0; k < f.files.size(); ++k) {
    auto p = xrd::read_pattern(f.files[k]);
    const auto in = instrument(f, &p);
    p.ka1_Ang = in.ka1_Ang, p.ka2_Ang = in.ka2_Ang, p.ka2_ratio = in.ka2_ratio;
    const auto pk = xrd::fit_peak(p, f.lo, f.hi);
    if (k == 0) first = pk.position_deg;
    fmt::print("{:<40} {:>10.4f} {:>8.4f} {:>9.5f} {:>8.4f} {:>12.1f} {:>+10.4f}\n", std::filesystem::path(f.files[k]).filename().string(),
               pk.position_deg, pk.position_error_deg, pk.d_Ang, pk.fwhm_deg, pk.area, pk.position_deg - first);
    order.push_back(static_cast<double>(k + 1));
    shift.push_back(pk.position_deg - first);
  }
  if (!f.plot.empty()) {
    report::Figure fig;
    fig.title = fmt::format("peak in {:.2f}-{:.2f} deg", f.lo, f.hi);
    fig.xlabel = "pattern (in the order given)";
    fig.ylabel = "shift of 2{/Symbol q} from the first (deg)";
    fig.series.push_back({"peak position", order, shift, "linespoints pt 7", false});
    draw(fig, f.plot);
  }
}

void run_index(const XrdFlags& f) {
  if (f.cifs.size() != 1) throw Error("castor xrd index needs one --cif (for the crystal system)");
  const auto x = read_named_cif(f.cifs[0]);
  std::vector<xrd::IndexedPeak> peaks;
  for (const auto& s : f.index) peaks.push_back(xrd::parse_indexed_peak(s, "--peak"));
  const auto in = instrument(f, nullptr);
  const auto c = xrd::cell_from_peaks(x, peaks, in.ka1_Ang);
  fmt::print("cell from {} indexed peaks (wavelength {:.6f} A): a {:.4f} b {:.4f} c {:.4f} A, alpha {:.3f} beta {:.3f} gamma {:.3f} deg\n",
             peaks.size(), in.ka1_Ang, c.a, c.b, c.c, c.alpha, c.beta, c.gamma);
  for (const auto& pk : peaks)
    fmt::print("  ({} {} {}) observed {:.4f} calculated {:.4f} deg\n", pk.h, pk.k, pk.l, pk.two_theta_deg,
               xrd::two_theta_deg(xrd::d_spacing_Ang(c, pk.h, pk.k, pk.l), in.ka1_Ang));
}

}  // namespace

void add_xrd_commands(CLI::App& app) {
  auto f = std::make_shared<XrdFlags>();
  auto* x = app.add_subcommand("xrd", "X-ray diffraction: reflections, peaks, Rietveld / Le Bail refinement, phase identification");
  x->require_subcommand(1);
  auto wl = [f](CLI::App* c) {
    c->add_option("--wavelengths", f->wavelengths,
                  fmt::format("Ka1 [Ka2 [Ka2/Ka1]] in A (default: the file's, else Cu {} {} {}, Hoelzer 1997)", constants::cu_ka1_Ang,
                              constants::cu_ka2_Ang, constants::cu_ka2_over_ka1));
    c->add_option("--monochromator", f->mono, "2-theta of a monochromator for the polarisation factor (deg)");
  };
  auto range = [f](CLI::App* c) {
    c->add_option("--from", f->lo, "lowest 2-theta (deg)");
    c->add_option("--to", f->hi, "highest 2-theta (deg)");
  };
  auto* refl = x->add_subcommand("reflections", "Allowed reflections of a CIF structure with d, 2-theta, |F| and relative intensity");
  refl->add_option("--cif", f->cifs, "structure (CIF)")->required();
  refl->add_option("--max", f->hi, "highest 2-theta (deg, default 90)");
  refl->add_option("--min", f->lo, "lowest 2-theta (deg)");
  refl->add_option("-o,--output", f->output, "the reflections as .csv, or everything (tables, warnings) as .json");
  refl->add_option("--plot", f->plot, "stick pattern figure (.png, .pdf or .svg)");
  wl(refl);
  refl->callback([f] { run_reflections(*f); });

  auto* peaks = x->add_subcommand("peaks", "Find and fit peaks (position, FWHM, area, Scherrer size)");
  peaks->add_flag("--strict", f->strict, "treat warnings (dropped fits, sizes beyond Scherrer) as errors");
  peaks->add_option("FILE", f->file, "pattern: .xrdml, GSAS .xra/.raw/.gsa, .xy/.xye/.csv")->required();
  peaks->add_option("--prominence", f->prominence, "minimum prominence in noise sigmas")->capture_default_str();
  peaks->add_option("--max-peaks", f->max_peaks, "at most this many peaks")->capture_default_str();
  peaks->add_option("-o,--output", f->output, "the peaks as .csv, or everything (tables, warnings) as .json");
  peaks->add_option("--plot", f->plot, "figure: the pattern with the fitted peaks marked (.png, .pdf or .svg)");
  peaks->add_option("--instrument-fwhm", f->instrument_fwhm, "instrumental FWHM removed before Scherrer (deg)");
  range(peaks);
  wl(peaks);
  peaks->callback([f] { run_peaks(*f); });

  auto* ref = x->add_subcommand("refine", "Rietveld (or --le-bail) refinement of one or more phases, with weight fractions and a figure");
  ref->add_flag("--strict", f->strict, "treat warnings (unphysical Uiso, unexplained intensity, correlations) as errors");
  ref->add_option("FILE", f->file, "pattern")->required();
  ref->add_option("--cif", f->cifs, "starting structure (CIF); repeat for a multi-phase refinement")->required();
  ref->add_flag("--le-bail", f->le_bail, "extract intensities instead of using the structure");
  ref->add_flag("--displacement", f->displacement, "refine the sample displacement (correlates with the zero shift)");
  ref->add_flag("--fixed-structure", f->fixed_structure, "keep Uiso and atom positions");
  ref->add_option("--po", f->po, "March-Dollase preferred orientation axis per phase, in --cif order: h,k,l or none");
  ref->add_option("--background-terms", f->background_terms, "Chebyshev terms")->capture_default_str();
  ref->add_option("--U", f->U, "starting Caglioti U (deg^2)")->capture_default_str();
  ref->add_option("--V", f->V, "starting Caglioti V (deg^2)")->capture_default_str();
  ref->add_option("--W", f->W, "starting Caglioti W (deg^2)")->capture_default_str();
  ref->add_option("--X", f->X, "starting Lorentzian X (deg)")->capture_default_str();
  ref->add_option("--Y", f->Y, "starting Lorentzian Y (deg)")->capture_default_str();
  ref->add_option("-o,--output", f->output, "the refined parameters as .csv, or everything (tables, warnings) as .json");
  ref->add_option("--plot", f->plot, "figure: observed, calculated, difference, reflection ticks (.png, .pdf or .svg)");
  range(ref);
  wl(ref);
  ref->callback([f] { run_refine(*f); });

  auto* ph = x->add_subcommand("phases", "Score candidate phases (CIFs) against the pattern's peaks");
  ph->add_option("FILE", f->file, "pattern")->required();
  ph->add_option("--cif", f->cifs, "candidate structures (repeat --cif)")->required();
  ph->add_option("--tolerance", f->tolerance, "match tolerance (deg 2-theta)")->capture_default_str();
  ph->add_option("-o,--output", f->output, "the phase scores as .csv, or everything (tables, warnings) as .json");
  ph->add_option("--plot", f->plot, "figure: the pattern with each candidate's lines as tick rows (.png, .pdf or .svg)");
  range(ph);
  wl(ph);
  ph->callback([f] { run_phases(*f); });

  auto* tr = x->add_subcommand("track", "Fit one peak in several patterns and report its shift");
  tr->add_option("FILES", f->files, "patterns, in order")->required();
  tr->add_option("--plot", f->plot, "figure: the peak's shift against the pattern order (.png, .pdf or .svg)");
  range(tr);
  wl(tr);
  tr->callback([f] { run_track(*f); });

  auto* ix = x->add_subcommand("index", "Least-squares cell from indexed peaks");
  ix->add_option("--cif", f->cifs, "structure giving the crystal system")->required();
  ix->add_option("--peak", f->index, "h,k,l,2theta (repeat), e.g. --peak 1,1,3,23.7")->required();
  wl(ix);
  ix->callback([f] { run_index(*f); });
}

}  // namespace castor::cli
