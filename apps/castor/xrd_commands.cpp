#include "xrd_commands.h"
#include "terminal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
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

xrd::Instrument instrument(const XrdFlags& f, const xrd::Pattern* p) {
  xrd::Instrument in = p ? xrd::Instrument::from_pattern(*p) : xrd::Instrument{};
  if (!p) in.ka1_Ang = constants::cu_ka1_Ang, in.ka2_Ang = 0;
  if (!f.wavelengths.empty()) {
    in.ka1_Ang = f.wavelengths[0];
    in.ka2_Ang = f.wavelengths.size() > 1 ? f.wavelengths[1] : 0;
    in.ka2_ratio = f.wavelengths.size() > 2 ? f.wavelengths[2] : (in.ka2_Ang > 0 ? 0.5 : 0);
    in.radiation_source = f.wavelengths.size() == 2 ? "--wavelengths, Ka2/Ka1 ratio 0.5 assumed" : "--wavelengths";
  }
  in.monochromator_deg = f.mono;
  return in;
}

// The wavelengths castor uses, exactly, and where they came from.
std::string radiation_text(const xrd::Instrument& in) {
  if (in.ka2_Ang > 0 && in.ka2_ratio > 0)
    return fmt::format("Ka1 {:.6f} A, Ka2 {:.6f} A, Ka2/Ka1 ratio {:.4g} ({})", in.ka1_Ang, in.ka2_Ang, in.ka2_ratio, in.radiation_source);
  return fmt::format("Ka1 {:.6f} A only, no Ka2 line ({})", in.ka1_Ang, in.radiation_source);
}

xrd::Crystal read_named_cif(const std::string& file) {
  auto x = xrd::read_cif(file);
  if (x.name.empty() || x.name == "global") x.name = std::filesystem::path(file).stem().string();
  return x;
}

// A measured pattern with rows of tick marks under it (fitted peaks, phases' lines).
void plot_pattern(const xrd::Pattern& p, const std::string& title, const std::vector<std::pair<std::string, std::vector<double>>>& rows,
                  const std::string& out, const std::vector<std::string>& warnings = {}) {
  report::Figure fig;
  fig.title = title;
  fig.warnings = warnings;
  fig.xlabel = "2{/Symbol q} (deg)";
  fig.ylabel = "Counts";
  const double top = *std::max_element(p.counts.begin(), p.counts.end());
  const double low = *std::min_element(p.counts.begin(), p.counts.end());
  fig.series.push_back({"pattern", p.two_theta_deg, p.counts, "lines lc rgb 'black'", false});
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::vector<double> y(rows[k].second.size(), low - (0.04 + 0.04 * static_cast<double>(k)) * top);
    fig.series.push_back({rows[k].first, rows[k].second, y, "points pt '|' ps 1.2", false});
  }
  report::draw(fig, out);
  fmt::print(stderr, "wrote {}\n", out);
}

void run_reflections(const XrdFlags& f) {
  if (f.cifs.size() != 1) throw Error("castor xrd reflections needs one --cif");
  const auto x = read_named_cif(f.cifs[0]);
  const auto in = instrument(f, nullptr);
  const double hi = f.hi < 180 ? f.hi : 90;
  fmt::print("{}: {} ({} operators), a {:.5f} b {:.5f} c {:.5f} A, alpha {:.3f} beta {:.3f} gamma {:.3f} deg, V {:.2f} A^3\n", x.name,
             x.spacegroup, x.symops.size(), x.a, x.b, x.c, x.alpha, x.beta, x.gamma, x.volume_Ang3());
  fmt::print("wavelength {:.6f} A\n{:>4} {:>4} {:>4} {:>4} {:>10} {:>10} {:>12} {:>8}\n", in.ka1_Ang, "h", "k", "l", "m", "d (A)", "2th (deg)", "|F|",
             "I rel");
  const auto sticks = xrd::stick_pattern(x, in.ka1_Ang, f.lo, hi, f.mono);
  const auto refl = xrd::reflections(x, in.ka1_Ang, hi, f.lo);
  for (std::size_t k = 0; k < refl.size(); ++k)
    fmt::print("{:>4} {:>4} {:>4} {:>4} {:>10.5f} {:>10.4f} {:>12.4f} {:>8.2f}\n", refl[k].h, refl[k].k, refl[k].l, refl[k].multiplicity,
               refl[k].d_Ang, refl[k].two_theta_deg, std::abs(refl[k].F), sticks[k].intensity);
  if (!f.plot.empty()) {
    report::Figure fig;
    fig.title = fmt::format("{} ({}), {:.4f} A", x.name, x.spacegroup, in.ka1_Ang);
    fig.xlabel = "2{/Symbol q} (deg)";
    fig.ylabel = "Relative intensity";
    std::vector<double> t, i;
    for (const auto& st : sticks) t.push_back(st.two_theta_deg), i.push_back(st.intensity);
    fig.series.push_back({"m |F|^2 LP", t, i, "impulses lw 2", false});
    report::draw(fig, f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
}

void run_peaks(const XrdFlags& f) {
  auto p = xrd::crop(xrd::read_pattern(f.file), f.lo, f.hi);
  const auto in = instrument(f, &p);
  p.ka1_Ang = in.ka1_Ang, p.ka2_Ang = in.ka2_Ang, p.ka2_ratio = in.ka2_ratio;
  std::vector<std::string> warnings;
  auto found = xrd::find_peaks(p, f.prominence, 0, f.max_peaks, &warnings);
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.position_deg < b.position_deg; });
  // Fits that are not peaks the data show are dropped, and listed.
  std::vector<xrd::PeakFit> peaks;
  for (const auto& pk : found) {
    if (const auto why = xrd::peak_degeneracy(pk, p)) warnings.push_back(fmt::format("fit near {:.3f} deg dropped: {}", pk.position_deg, *why));
    else peaks.push_back(pk);
  }
  fmt::print("{}: {} points, {:.3f}-{:.3f} deg; {} peaks\n", f.file, p.counts.size(), p.two_theta_deg.front(), p.two_theta_deg.back(),
             peaks.size());
  fmt::print("radiation: {}\n", radiation_text(in));
  fmt::print("{:>10} {:>8} {:>9} {:>8} {:>12} {:>6} {:>9} {:>10}\n", "2th (deg)", "+-", "d (A)", "FWHM", "area", "eta", "height", "size (nm)");
  for (const auto& pk : peaks) {
    std::string size = "-";
    try {
      const double nm = xrd::scherrer_size_nm(pk.position_deg, pk.fwhm_deg, in.ka1_Ang, f.instrument_fwhm);
      size = fmt::format("{:.1f}", nm);
      if (nm > 200) {
        size += "*";
        warnings.push_back(fmt::format("peak at {:.3f} deg: Scherrer size {:.0f} nm is beyond the method's range (~200 nm: "
                                       "the width is instrument-limited)",
                                       pk.position_deg, nm));
      }
    } catch (const Error&) {
      if (in.ka1_Ang > 0)
        warnings.push_back(fmt::format("peak at {:.3f} deg: FWHM {:.4f} deg is not wider than the instrument's {:.4f}: no size",
                                       pk.position_deg, pk.fwhm_deg, f.instrument_fwhm));
    }
    fmt::print("{:>10.4f} {:>8.4f} {:>9.5f} {:>8.4f} {:>12.1f} {:>6.2f} {:>9.0f} {:>10}\n", pk.position_deg, pk.position_error_deg, pk.d_Ang,
               pk.fwhm_deg, pk.area, pk.eta, pk.height, size);
  }
  fmt::print("sizes: Scherrer, K 0.9, {}; {}\n",
             f.instrument_fwhm > 0 ? fmt::format("instrument FWHM {:.4f} deg removed in quadrature", f.instrument_fwhm)
                                   : std::string("NO instrument width removed (give --instrument-fwhm): the sizes are lower bounds"),
             in.ka2_Ang > 0 && p.ka2_ratio > 0 ? "peaks fitted as Ka1/Ka2 doublets (Ka1 width)" : "single-line peaks");
  for (const auto& w : warnings) fmt::print("WARNING: {}\n", w);
  refuse_if_strict(f.strict, warnings, f.file, "XRD");
  if (!f.plot.empty()) {
    std::vector<double> at;
    for (const auto& pk : peaks) at.push_back(pk.position_deg);
    plot_pattern(p, fmt::format("{}: {} peaks", std::filesystem::path(f.file).filename().string(), peaks.size()),
                 {{"fitted peaks", at}}, f.plot, warnings);
  }
}

void plot_refinement(const xrd::RefineResult& r, const std::string& title, const std::string& out) {
  report::Figure fig;
  fig.title = title;
  fig.warnings = r.warnings;
  fig.xlabel = "2{/Symbol q} (deg)";
  fig.ylabel = "Counts";
  const double top = *std::max_element(r.observed.begin(), r.observed.end());
  const double low = *std::min_element(r.observed.begin(), r.observed.end());
  std::vector<double> diff, ticks_x, ticks_y;
  double dmax = 0;
  for (std::size_t i = 0; i < r.observed.size(); ++i) dmax = std::max(dmax, r.observed[i] - r.calculated[i]);
  const double off = low - 0.05 * top - dmax;
  for (std::size_t i = 0; i < r.observed.size(); ++i) diff.push_back(r.observed[i] - r.calculated[i] + off);
  for (std::size_t k = 0; k < r.phases.size(); ++k)
    for (double t : r.phases[k].reflection_two_theta_deg)
      if (t >= r.two_theta_deg.front() && t <= r.two_theta_deg.back())
        ticks_x.push_back(t), ticks_y.push_back(low - (0.03 + 0.03 * static_cast<double>(k)) * top);
  fig.series.push_back({"observed", r.two_theta_deg, r.observed, "points pt 7 ps 0.3 lc rgb 'black'", false});
  fig.series.push_back({"calculated", r.two_theta_deg, r.calculated, "lines lw 1.5 lc rgb 'red'", false});
  fig.series.push_back({"background", r.two_theta_deg, r.background_curve, "lines dt 2 lc rgb 'gray'", false});
  fig.series.push_back({"difference", r.two_theta_deg, diff, "lines lc rgb 'blue'", false});
  fig.series.push_back({"reflections", ticks_x, ticks_y, "points pt '|' ps 1.2 lc rgb 'dark-green'", false});
  report::draw(fig, out);
  fmt::print(stderr, "wrote {}\n", out);
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
    int h, k, l;
    if (a == "none") {
      s.preferred_orientation.emplace_back();
    } else if (std::sscanf(a.c_str(), "%d,%d,%d", &h, &k, &l) == 3 && (h || k || l)) {
      s.preferred_orientation.emplace_back(std::array<int, 3>{h, k, l});
    } else {
      throw Error(fmt::format("castor xrd refine: --po '{}' is not h,k,l or none", a));
    }
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
  fmt::print("{} {} on {} ({} points, {:.2f}-{:.2f} deg)\nradiation: {}\n", f.le_bail ? "Le Bail" : "Rietveld", names, f.file,
             r.two_theta_deg.size(), r.two_theta_deg.front(), r.two_theta_deg.back(), radiation_text(in));
  fmt::print("Rp {:.2f} %  Rwp {:.2f} %  Rexp {:.2f} %  GoF {:.3f}  ({} iterations)\n", 100 * r.Rp, 100 * r.Rwp, 100 * r.Rexp, r.gof,
             r.iterations);
  fmt::print("{:<22} {:>14} {:>12}\n", "parameter", "value", "esd");
  for (std::size_t i = 0; i < r.values.size(); ++i)
    fmt::print("{:<22} {:>14.6g} {:>12.2g}\n", r.values[i].first, r.values[i].second, r.errors[i].second);
  for (std::size_t k = 0; k < r.phases.size(); ++k) {
    const auto& ph = r.phases[k];
    fmt::print("phase {} {}: a {:.5f} b {:.5f} c {:.5f} A, alpha {:.3f} beta {:.3f} gamma {:.3f} deg", k + 1, ph.crystal.name, ph.crystal.a,
               ph.crystal.b, ph.crystal.c, ph.crystal.alpha, ph.crystal.beta, ph.crystal.gamma);
    if (!f.le_bail) fmt::print(", {:.2f} wt% (Hill-Howard)", 100 * ph.weight_fraction);
    fmt::print("\n");
    if (!f.le_bail)
      for (const auto& st : ph.crystal.sites)
        fmt::print("  {:<6} {:<3} {:>9.5f} {:>9.5f} {:>9.5f}  occ {:.3f}  Uiso {:.5f} A^2\n", st.label, st.element, st.x, st.y, st.z,
                   st.occupancy, st.u_iso_Ang2);
  }
  for (const auto& w : r.warnings) fmt::print("WARNING: {}\n", w);
  refuse_if_strict(f.strict, r.warnings, f.file, "XRD");
  if (!f.plot.empty())
    plot_refinement(r, fmt::format("{} - {} ({})", std::filesystem::path(f.file).filename().string(), names,
                                   f.le_bail ? "Le Bail" : "Rietveld"),
                    f.plot);
}

void run_phases(const XrdFlags& f) {
  if (f.cifs.empty()) throw Error("castor xrd phases needs --cif files of the candidate phases");
  auto p = xrd::crop(xrd::read_pattern(f.file), f.lo, f.hi);
  p.ka1_Ang = instrument(f, &p).ka1_Ang;
  std::vector<xrd::Crystal> c;
  for (const auto& file : f.cifs) c.push_back(read_named_cif(file));
  const auto sc = xrd::identify_phases(p, c, f.tolerance);
  fmt::print("{}: phases by the share of their strong lines (> 2 %) found within {:.3f} deg\n{:<28} {:>7} {:>10} {:>9} {:>12}\n", f.file,
             f.tolerance, "phase", "score", "explained", "matched", "offset (deg)");
  for (const auto& s : sc)
    fmt::print("{:<28} {:>7.3f} {:>10.3f} {:>5}/{:<3} {:>12.4f}\n", s.name, s.score, s.explained, s.matched, s.sticks, s.mean_offset_deg);
  if (!f.plot.empty()) {
    // Tick rows for the candidates in score order (lines above 2 %).
    std::vector<std::pair<std::string, std::vector<double>>> rows;
    for (const auto& s : sc)
      for (const auto& x : c)
        if (x.name == s.name) {
          std::vector<double> at;
          for (const auto& st : xrd::stick_pattern(x, p.ka1_Ang, p.two_theta_deg.front(), p.two_theta_deg.back()))
            if (st.intensity >= 2) at.push_back(st.two_theta_deg);
          rows.emplace_back(fmt::format("{} ({:.2f})", s.name, s.score), at);
        }
    plot_pattern(p, fmt::format("{}: candidate phases", f.file), rows, f.plot);
  }
}

// One peak followed through several patterns (e.g. ex-situ electrodes at different states
// of charge): position, d, FWHM, area and the shift from the first pattern.
void run_track(const XrdFlags& f) {
  if (!(f.hi > f.lo) || f.hi >= 180) throw Error("castor xrd track needs the peak window --from A --to B (deg)");
  fmt::print("peak in {:.3f}-{:.3f} deg\n{:<40} {:>10} {:>8} {:>9} {:>8} {:>12} {:>10}\n", f.lo, f.hi, "pattern", "2th (deg)", "+-", "d (A)",
             "FWHM", "area", "shift");
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
    report::draw(fig, f.plot);
    fmt::print(stderr, "wrote {}\n", f.plot);
  }
}

void run_index(const XrdFlags& f) {
  if (f.cifs.size() != 1) throw Error("castor xrd index needs one --cif (for the crystal system)");
  const auto x = read_named_cif(f.cifs[0]);
  std::vector<xrd::IndexedPeak> peaks;
  for (const auto& s : f.index) {
    int h, k, l;
    double t;
    if (std::sscanf(s.c_str(), "%d,%d,%d,%lf", &h, &k, &l, &t) != 4)
      throw Error(fmt::format("castor xrd index: '{}' is not h,k,l,2theta (e.g. 1,1,3,24.28)", s));
    peaks.push_back({h, k, l, t});
  }
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
    c->add_option("--wavelengths", f->wavelengths, fmt::format("Ka1 [Ka2 [Ka2/Ka1]] in A (default: the file's, else Cu {} {} {}, Hoelzer 1997)", constants::cu_ka1_Ang,
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
  refl->add_option("--plot", f->plot, "stick pattern figure (.png, .pdf or .svg)");
  wl(refl);
  refl->callback([f] { run_reflections(*f); });

  auto* peaks = x->add_subcommand("peaks", "Find and fit peaks (position, FWHM, area, Scherrer size)");
  peaks->add_flag("--strict", f->strict, "treat warnings (dropped fits, sizes beyond Scherrer) as errors");
  peaks->add_option("FILE", f->file, "pattern: .xrdml, GSAS .xra/.raw/.gsa, .xy/.xye/.csv")->required();
  peaks->add_option("--prominence", f->prominence, "minimum prominence in noise sigmas")->capture_default_str();
  peaks->add_option("--max-peaks", f->max_peaks, "at most this many peaks")->capture_default_str();
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
  ref->add_option("--plot", f->plot, "figure: observed, calculated, difference, reflection ticks (.png, .pdf or .svg)");
  range(ref);
  wl(ref);
  ref->callback([f] { run_refine(*f); });

  auto* ph = x->add_subcommand("phases", "Score candidate phases (CIFs) against the pattern's peaks");
  ph->add_option("FILE", f->file, "pattern")->required();
  ph->add_option("--cif", f->cifs, "candidate structures (repeat --cif)")->required();
  ph->add_option("--tolerance", f->tolerance, "match tolerance (deg 2-theta)")->capture_default_str();
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
