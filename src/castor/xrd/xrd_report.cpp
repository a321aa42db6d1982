#include "castor/xrd/xrd_report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/core/constants.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"

namespace castor::xrd {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

Instrument instrument_for(const Pattern* p, const std::vector<double>& w, double monochromator_deg) {
  Instrument in = p ? Instrument::from_pattern(*p) : Instrument{};
  if (!p) in.ka1_Ang = constants::cu_ka1_Ang, in.ka2_Ang = 0, in.radiation_source = "Cu Ka1 assumed (give --wavelengths)";
  if (!w.empty()) {
    if (w.size() > 3) throw Error("--wavelengths: give Ka1 [Ka2 [Ka2/Ka1]]", ErrorKind::usage);
    for (double v : w)
      if (!(v > 0)) throw Error(fmt::format("--wavelengths: {} is not positive", v), ErrorKind::usage);
    in.ka1_Ang = w[0];
    in.ka2_Ang = w.size() > 1 ? w[1] : 0;
    in.ka2_ratio = w.size() > 2 ? w[2] : (in.ka2_Ang > 0 ? constants::cu_ka2_over_ka1 : 0);
    in.radiation_source = w.size() == 2 ? "--wavelengths, Ka2/Ka1 ratio 0.5 assumed" : "--wavelengths";
  }
  in.monochromator_deg = monochromator_deg;
  return in;
}

std::string radiation_text(const Instrument& in) {
  if (in.ka2_Ang > 0 && in.ka2_ratio > 0)
    return fmt::format("Ka1 {:.6f} A, Ka2 {:.6f} A, Ka2/Ka1 ratio {:.4g} ({})", in.ka1_Ang, in.ka2_Ang, in.ka2_ratio, in.radiation_source);
  return fmt::format("Ka1 {:.6f} A only, no Ka2 line ({})", in.ka1_Ang, in.radiation_source);
}

std::array<int, 3> parse_hkl(const std::string& text, const std::string& what) {
  const auto parts = split_commas(text);
  if (parts.size() != 3) throw Error(fmt::format("{} '{}' is not h,k,l", what, text), ErrorKind::usage);
  std::array<int, 3> hkl{};
  for (int i = 0; i < 3; ++i) hkl[i] = static_cast<int>(parse_integer(parts[i], fmt::format("{} '{}'", what, text), -100, 100));
  if (hkl == std::array<int, 3>{0, 0, 0}) throw Error(fmt::format("{} '{}': 0,0,0 is no direction", what, text), ErrorKind::usage);
  return hkl;
}

IndexedPeak parse_indexed_peak(const std::string& text, const std::string& what) {
  const auto parts = split_commas(text);
  if (parts.size() != 4) throw Error(fmt::format("{} '{}' is not h,k,l,2theta (e.g. 1,1,3,24.28)", what, text), ErrorKind::usage);
  const auto hkl = parse_hkl(parts[0] + "," + parts[1] + "," + parts[2], what);
  const double t = parse_number(parts[3], fmt::format("{} '{}': 2-theta", what, text));
  if (!(t > 0 && t < 180)) throw Error(fmt::format("{} '{}': 2-theta must lie in (0, 180) deg", what, text), ErrorKind::usage);
  return {hkl[0], hkl[1], hkl[2], t};
}

PeakSearch search_peaks(Pattern p, const Instrument& in, double prominence, std::size_t max_peaks, double instrument_fwhm) {
  PeakSearch s;
  p.ka1_Ang = in.ka1_Ang, p.ka2_Ang = in.ka2_Ang, p.ka2_ratio = in.ka2_ratio;
  s.instrument = in;
  s.instrument_fwhm_deg = instrument_fwhm;
  auto found = find_peaks(p, prominence, 0, max_peaks, &s.warnings);
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.position_deg < b.position_deg; });
  // Fits that are not peaks the data show are dropped, and listed.
  for (const auto& pk : found) {
    if (const auto why = peak_degeneracy(pk, p)) {
      s.warnings.push_back(fmt::format("fit near {:.3f} deg dropped: {}", pk.position_deg, *why));
      continue;
    }
    s.peaks.push_back(pk);
    double nm = kNaN;
    try {
      nm = scherrer_size_nm(pk.position_deg, pk.fwhm_deg, in.ka1_Ang, instrument_fwhm);
      if (nm > 200)
        s.warnings.push_back(
            fmt::format("peak at {:.3f} deg: Scherrer size {:.0f} nm is beyond the method's range (~200 nm: "
                        "the width is instrument-limited)",
                        pk.position_deg, nm));
    } catch (const Error& e) {
      s.warnings.push_back(fmt::format("peak at {:.3f} deg: no size: {}", pk.position_deg, e.reason()));
    }
    s.size_nm.push_back(nm);
  }
  s.pattern = std::move(p);
  return s;
}

report::Report to_report(const PeakSearch& s) {
  const auto& p = s.pattern;
  report::Report rep;
  rep.analysis = "xrd-peaks";
  rep.source = p.source;
  rep.summary = fmt::format("{} points, {:.3f}-{:.3f} deg; {} peaks", p.counts.size(), p.two_theta_deg.front(), p.two_theta_deg.back(),
                            s.peaks.size());
  rep.notes.push_back("radiation: " + radiation_text(s.instrument));
  report::ReportTable t;
  t.name = "peaks";
  auto col = [&](auto f) {
    std::vector<double> v;
    for (const auto& pk : s.peaks) v.push_back(f(pk));
    return v;
  };
  t.add_numbers("two_theta", "deg", col([](const PeakFit& k) { return k.position_deg; }), "{:.4f}", "2th (deg)");
  t.add_numbers("two_theta_error", "deg", col([](const PeakFit& k) { return k.position_error_deg; }), "{:.4f}", "+-");
  t.add_numbers("d", "Ang", col([](const PeakFit& k) { return k.d_Ang; }), "{:.5f}", "d (A)");
  t.add_numbers("fwhm", "deg", col([](const PeakFit& k) { return k.fwhm_deg; }), "{:.4f}", "FWHM");
  t.add_numbers("area", "", col([](const PeakFit& k) { return k.area; }), "{:.1f}", "area");
  t.add_numbers("eta", "", col([](const PeakFit& k) { return k.eta; }), "{:.2f}", "eta");
  t.add_numbers("height", "", col([](const PeakFit& k) { return k.height; }), "{:.0f}", "height");
  t.add_numbers("scherrer_size", "nm", s.size_nm, "{:.1f}", "size (nm)");
  rep.tables.push_back(std::move(t));
  rep.notes.push_back(fmt::format(
      "sizes: Scherrer, K 0.9, {}; {}",
      s.instrument_fwhm_deg > 0 ? fmt::format("instrument FWHM {:.4f} deg removed in quadrature", s.instrument_fwhm_deg)
                                : std::string("NO instrument width removed (give --instrument-fwhm): the sizes are lower bounds"),
      s.instrument.ka2_Ang > 0 && s.instrument.ka2_ratio > 0 ? "peaks fitted as Ka1/Ka2 doublets (Ka1 width)" : "single-line peaks"));
  rep.warnings = s.warnings;
  return rep;
}

report::Figure pattern_figure(const Pattern& p, const std::string& title,
                              const std::vector<std::pair<std::string, std::vector<double>>>& rows,
                              const std::vector<std::string>& warnings) {
  report::Figure fig;
  fig.title = title;
  fig.warnings = warnings;
  fig.xlabel = "2{/Symbol q} (deg)";
  fig.ylabel = "Counts";
  if (p.counts.empty()) throw Error(p.source, "XRD", "an empty pattern has no figure", ErrorKind::usage);
  const double top = *std::max_element(p.counts.begin(), p.counts.end());
  const double low = *std::min_element(p.counts.begin(), p.counts.end());
  fig.series.push_back({"pattern", p.two_theta_deg, p.counts, "lines lc rgb 'black'", false});
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::vector<double> y(rows[k].second.size(), low - (0.04 + 0.04 * static_cast<double>(k)) * top);
    fig.series.push_back({rows[k].first, rows[k].second, y, "points pt '|' ps 1.2", false});
  }
  return fig;
}

report::Figure figure(const PeakSearch& s, const std::string& title) {
  std::vector<double> at;
  for (const auto& pk : s.peaks) at.push_back(pk.position_deg);
  return pattern_figure(s.pattern, title, {{"fitted peaks", at}}, s.warnings);
}

report::Report to_report(const RefineResult& r, const std::string& source, const std::string& names, bool le_bail) {
  report::Report rep;
  rep.analysis = le_bail ? "xrd-le-bail" : "xrd-rietveld";
  rep.source = source;
  rep.summary = fmt::format("{} {} ({} points, {:.2f}-{:.2f} deg)", le_bail ? "Le Bail" : "Rietveld", names, r.two_theta_deg.size(),
                            r.two_theta_deg.front(), r.two_theta_deg.back());
  rep.notes.push_back("radiation: " + radiation_text(r.instrument));
  rep.notes.push_back(fmt::format("Rp {:.2f} %  Rwp {:.2f} %  Rexp {:.2f} %  GoF {:.3f}  ({} iterations)", 100 * r.Rp, 100 * r.Rwp,
                                  100 * r.Rexp, r.gof, r.iterations));
  for (const auto& [key, label, v] :
       {std::tuple{"Rp", "Rp", r.Rp}, {"Rwp", "Rwp", r.Rwp}, {"Rexp", "Rexp", r.Rexp}, {"GoF", "GoF", r.gof}}) {
    rep.values.push_back({key, label, v, "", ""});
    rep.values.back().in_text = false;  // the notes say them
  }
  report::ReportTable t;
  t.name = "parameters";
  std::vector<std::string> names_;
  std::vector<double> values, esd;
  for (std::size_t i = 0; i < r.values.size(); ++i)
    names_.push_back(r.values[i].first), values.push_back(r.values[i].second), esd.push_back(r.errors[i].second);
  t.add_texts("parameter", names_);
  t.add_numbers("value", "", values, "{:.6g}");
  t.add_numbers("esd", "", esd, "{:.2g}");
  rep.tables.push_back(std::move(t));
  report::ReportTable ph;
  ph.name = "phases";
  std::vector<std::string> pn;
  std::vector<double> a, b, c, al, be, ga, wt;
  for (const auto& x : r.phases) {
    pn.push_back(x.crystal.name), a.push_back(x.crystal.a), b.push_back(x.crystal.b), c.push_back(x.crystal.c);
    al.push_back(x.crystal.alpha), be.push_back(x.crystal.beta), ga.push_back(x.crystal.gamma);
    wt.push_back(le_bail ? kNaN : x.weight_fraction);
  }
  ph.add_texts("phase", pn);
  ph.add_numbers("a", "Ang", a, "{:.5f}", "a A");
  ph.add_numbers("b", "Ang", b, "{:.5f}", "b A");
  ph.add_numbers("c", "Ang", c, "{:.5f}", "c A");
  ph.add_numbers("alpha", "deg", al, "{:.3f}", "alpha");
  ph.add_numbers("beta", "deg", be, "{:.3f}", "beta");
  ph.add_numbers("gamma", "deg", ga, "{:.3f}", "gamma");
  ph.add_numbers("weight_fraction", "", wt, "{:.2f}", "wt% (Hill-Howard)", 100);
  rep.tables.push_back(std::move(ph));
  if (!le_bail) {
    report::ReportTable sites;
    sites.name = "sites";
    std::vector<std::string> phase, label, el;
    std::vector<double> x, y, z, occ, u;
    for (const auto& p : r.phases)
      for (const auto& st : p.crystal.sites) {
        phase.push_back(p.crystal.name), label.push_back(st.label), el.push_back(st.element);
        x.push_back(st.x), y.push_back(st.y), z.push_back(st.z), occ.push_back(st.occupancy), u.push_back(st.u_iso_Ang2);
      }
    sites.add_texts("phase", phase);
    sites.add_texts("site", label);
    sites.add_texts("element", el);
    sites.add_numbers("x", "", x, "{:.5f}");
    sites.add_numbers("y", "", y, "{:.5f}");
    sites.add_numbers("z", "", z, "{:.5f}");
    sites.add_numbers("occupancy", "", occ, "{:.3f}", "occ");
    sites.add_numbers("u_iso", "Ang2", u, "{:.5f}", "Uiso A^2");
    rep.tables.push_back(std::move(sites));
  }
  report::ReportTable curve;
  curve.name = "profile";
  curve.in_text = false;
  curve.add_numbers("two_theta", "deg", r.two_theta_deg);
  curve.add_numbers("observed", "", r.observed);
  curve.add_numbers("calculated", "", r.calculated);
  curve.add_numbers("background", "", r.background_curve);
  rep.tables.push_back(std::move(curve));
  rep.warnings = r.warnings;
  return rep;
}

report::Figure refinement_figure(const RefineResult& r, const std::string& title) {
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
  return fig;
}

report::Report to_report(const std::vector<PhaseScore>& sc, const std::string& source, double tolerance) {
  report::Report rep;
  rep.analysis = "xrd-phases";
  rep.source = source;
  rep.summary = fmt::format("phases by the share of their strong lines (> 2 %) found within {:.3f} deg", tolerance);
  report::ReportTable t;
  t.name = "phases";
  std::vector<std::string> names, matched;
  std::vector<double> score, explained, offset;
  for (const auto& s : sc) {
    names.push_back(s.name), score.push_back(s.score), explained.push_back(s.explained), offset.push_back(s.mean_offset_deg);
    matched.push_back(fmt::format("{}/{}", s.matched, s.sticks));
  }
  t.add_texts("phase", names);
  t.add_numbers("score", "", score, "{:.3f}");
  t.add_numbers("explained", "", explained, "{:.3f}");
  t.add_texts("matched", matched);
  t.add_numbers("mean_offset", "deg", offset, "{:.4f}", "offset (deg)");
  rep.tables.push_back(std::move(t));
  return rep;
}

report::Figure phases_figure(const Pattern& p, const std::vector<PhaseScore>& sc, const std::vector<Crystal>& c, const std::string& title) {
  // Tick rows for the candidates in score order (lines above 2 %).
  std::vector<std::pair<std::string, std::vector<double>>> rows;
  for (const auto& s : sc)
    for (const auto& x : c)
      if (x.name == s.name) {
        std::vector<double> at;
        for (const auto& st : stick_pattern(x, p.ka1_Ang, p.two_theta_deg.front(), p.two_theta_deg.back()))
          if (st.intensity >= 2) at.push_back(st.two_theta_deg);
        rows.emplace_back(fmt::format("{} ({:.2f})", s.name, s.score), at);
      }
  return pattern_figure(p, title, rows);
}

report::Report reflections_report(const Crystal& x, double lambda, double lo, double hi, double mono) {
  report::Report rep;
  rep.analysis = "xrd-reflections";
  rep.source = x.name;
  rep.summary = fmt::format("{} ({} operators), a {:.5f} b {:.5f} c {:.5f} A, alpha {:.3f} beta {:.3f} gamma {:.3f} deg, V {:.2f} A^3",
                            x.spacegroup, x.symops.size(), x.a, x.b, x.c, x.alpha, x.beta, x.gamma, x.volume_Ang3());
  const auto sticks = stick_pattern(x, lambda, lo, hi, mono);
  const auto refl = reflections(x, lambda, hi, lo);
  report::ReportTable t;
  t.name = "reflections";
  t.caption = fmt::format("wavelength {:.6f} A", lambda);
  std::vector<double> h, k, l, m, d, tt, F, I;
  for (std::size_t i = 0; i < refl.size(); ++i) {
    h.push_back(refl[i].h), k.push_back(refl[i].k), l.push_back(refl[i].l), m.push_back(refl[i].multiplicity);
    d.push_back(refl[i].d_Ang), tt.push_back(refl[i].two_theta_deg), F.push_back(std::abs(refl[i].F));
    I.push_back(i < sticks.size() ? sticks[i].intensity : kNaN);
  }
  t.add_numbers("h", "", h, "{:.0f}");
  t.add_numbers("k", "", k, "{:.0f}");
  t.add_numbers("l", "", l, "{:.0f}");
  t.add_numbers("m", "", m, "{:.0f}");
  t.add_numbers("d", "Ang", d, "{:.5f}", "d (A)");
  t.add_numbers("two_theta", "deg", tt, "{:.4f}", "2th (deg)");
  t.add_numbers("F_abs", "", F, "{:.4f}", "|F|");
  t.add_numbers("intensity_relative", "", I, "{:.2f}", "I rel");
  rep.tables.push_back(std::move(t));
  if (refl.empty())
    rep.warnings.push_back(fmt::format(
        "no allowed reflection between {:g} and {:g} deg 2-theta at {:.6f} A (no d can exceed the longest cell edge, {:.4f} A); "
        "widen the range (--min/--max)",
        lo, hi, lambda, std::max({x.a, x.b, x.c})));
  return rep;
}

report::Figure sticks_figure(const Crystal& x, double lambda, double lo, double hi, double mono) {
  report::Figure fig;
  fig.title = fmt::format("{} ({}), {:.4f} A", x.name, x.spacegroup, lambda);
  fig.xlabel = "2{/Symbol q} (deg)";
  fig.ylabel = "Relative intensity";
  std::vector<double> t, i;
  for (const auto& st : stick_pattern(x, lambda, lo, hi, mono)) t.push_back(st.two_theta_deg), i.push_back(st.intensity);
  fig.series.push_back({"m |F|^2 LP", t, i, "impulses lw 2", false});
  return fig;
}

}  // namespace castor::xrd
