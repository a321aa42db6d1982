#include "castor/eds/eds.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/error.h"
#include "castor/io/detect.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::eds {

const std::vector<XrayLine>& line_library() {
  static const std::vector<XrayLine> lines = {
      {"C", "Ka", 0.277},  {"N", "Ka", 0.392},   {"O", "Ka", 0.525},  {"F", "Ka", 0.677},   {"Na", "Ka", 1.041}, {"Mg", "Ka", 1.254},
      {"Mg", "Kb", 1.302}, {"Al", "Ka", 1.487},  {"Al", "Kb", 1.557}, {"Si", "Ka", 1.740},  {"Si", "Kb", 1.836}, {"P", "Ka", 2.013},
      {"P", "Kb", 2.139},  {"S", "Ka", 2.307},   {"S", "Kb", 2.464},  {"Cl", "Ka", 2.622},  {"Cl", "Kb", 2.815}, {"K", "Ka", 3.313},
      {"K", "Kb", 3.589},  {"Ca", "Ka", 3.691},  {"Ca", "Kb", 4.012}, {"Ti", "Ka", 4.510},  {"Ti", "Kb", 4.931}, {"Ti", "La", 0.452},
      {"V", "Ka", 4.952},  {"V", "Kb", 5.427},   {"V", "La", 0.511},  {"Cr", "Ka", 5.414},  {"Cr", "Kb", 5.946}, {"Cr", "La", 0.573},
      {"Mn", "Ka", 5.898}, {"Mn", "Kb", 6.490},  {"Mn", "La", 0.637}, {"Fe", "Ka", 6.403},  {"Fe", "Kb", 7.057}, {"Fe", "La", 0.705},
      {"Co", "Ka", 6.930}, {"Co", "Kb", 7.649},  {"Co", "La", 0.776}, {"Ni", "Ka", 7.477},  {"Ni", "Kb", 8.264}, {"Ni", "La", 0.851},
      {"Cu", "Ka", 8.047}, {"Cu", "Kb", 8.904},  {"Cu", "La", 0.930}, {"Zn", "Ka", 8.638},  {"Zn", "Kb", 9.571}, {"Zn", "La", 1.012},
      {"Sr", "La", 1.806}, {"Sr", "Ka", 14.165}, {"Zr", "La", 2.042}, {"Zr", "Ka", 15.775}, {"Mo", "La", 2.293}, {"Mo", "Ka", 17.479},
      {"Ag", "La", 2.984}, {"Sn", "La", 3.444},  {"La", "La", 4.651}, {"W", "La", 8.398},   {"W", "Ma", 1.775},  {"Pt", "La", 9.442},
      {"Pt", "Ma", 2.048}, {"Au", "La", 9.713},  {"Au", "Ma", 2.120}, {"Pb", "La", 10.551}, {"Pb", "Ma", 2.342}, {"Bi", "La", 10.839},
      {"Bi", "Ma", 2.423},
  };
  return lines;
}

double line_energy_keV(std::string_view element, std::string_view line) {
  for (const auto& l : line_library())
    if (l.element == element && l.line == line) return l.energy_keV;
  throw Error(fmt::format("no X-ray line {} {} in castor's library", element, line));
}

int sniff_eds(const io::FileHead& h) {
  for (const auto line : h.lines)
    if (io::starts_with_ci(io::trim(line), "#FORMAT")) return 3;
  return h.bytes.empty() ? 0 : 1;
}

EdsSpectrum read_eds(const std::filesystem::path& path) {
  const std::string text = io::read_nonempty_file(path, "EDS");
  const auto lines = io::split_lines(text);
  EdsSpectrum s;
  s.source = path.string();
  double xper = 0, offset = 0;
  bool emsa = false, in_data = false, ev = false;
  std::size_t count = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto l = io::trim(lines[i]);
    if (l.empty()) continue;
    if (l.starts_with("#")) {
      const auto colon = l.find(':');
      const std::string key = io::to_lower(io::trim(l.substr(1, colon == std::string_view::npos ? l.size() : colon - 1)));
      const auto value = colon == std::string_view::npos ? std::string_view() : io::trim(l.substr(colon + 1));
      if (key == "format")
        emsa = true;
      else if (key == "xperchan")
        xper = io::parse_double(value).value_or(0);
      else if (key == "offset")
        offset = io::parse_double(value).value_or(0);
      else if (key == "xunits")
        ev = io::to_lower(value).find("ev") != std::string::npos && io::to_lower(value).find("kev") == std::string::npos;
      else if (key == "spectrum")
        in_data = true;
      else if (key == "endofdata")
        break;
      continue;
    }
    if (emsa && !in_data) continue;
    std::vector<std::string_view> f;
    for (auto part : io::split(l, l.find(',') != std::string_view::npos ? ',' : (l.find('\t') != std::string_view::npos ? '\t' : ' ')))
      if (!io::trim(part).empty()) f.push_back(io::trim(part));
    if (f.empty()) continue;
    const auto a = io::parse_double(f[0]);
    if (!a) {
      if (s.counts.empty()) continue;  // a header line
      throw Error(path.string(), "EDS", fmt::format("not a number: '{}'", f[0])).at_line(i + 1);
    }
    if (emsa && f.size() == 1) {  // counts only, energy from XPERCHAN / OFFSET
      s.energy_keV.push_back(offset + xper * static_cast<double>(count++));
      s.counts.push_back(*a);
      continue;
    }
    const auto b = f.size() > 1 ? io::parse_double(f[1]) : std::nullopt;
    if (!b) throw Error(path.string(), "EDS", "expected energy and counts on each line").at_line(i + 1);
    s.energy_keV.push_back(*a);
    s.counts.push_back(*b);
  }
  if (s.counts.size() < 10) throw Error(path.string(), "EDS", "fewer than 10 channels");
  // eV axes (or EMSA in eV) to keV.
  const double emax = *std::max_element(s.energy_keV.begin(), s.energy_keV.end());
  if (ev || emax > 200)
    for (double& e : s.energy_keV) e *= 1e-3;
  return s;
}

std::vector<PeakArea> peak_areas(const EdsSpectrum& s, const std::vector<std::string>& elements, const EdsOptions& o) {
  std::vector<PeakArea> out;
  auto mean_in = [&](double lo, double hi, double& x, int& n) {
    double sum = 0, xs = 0;
    n = 0;
    for (std::size_t i = 0; i < s.energy_keV.size(); ++i)
      if (s.energy_keV[i] >= lo && s.energy_keV[i] <= hi) sum += s.counts[i], xs += s.energy_keV[i], ++n;
    if (n == 0) throw Error(fmt::format("{}: no channels between {} and {} keV", s.source, lo, hi));
    x = xs / n;
    return sum / n;
  };
  for (const auto& spec : elements) {
    std::string element = spec, line = "Ka";
    if (const auto sp = spec.find(' '); sp != std::string::npos) element = spec.substr(0, sp), line = spec.substr(sp + 1);
    const double e = line_energy_keV(element, line);
    const double half = o.window_fwhm * o.fwhm_keV;
    double xl, xr;
    int nl = 0, nr = 0;
    const double bl = mean_in(e - half - o.background_fwhm * o.fwhm_keV, e - half, xl, nl);
    const double br = mean_in(e + half, e + half + o.background_fwhm * o.fwhm_keV, xr, nr);
    PeakArea p{element, line, e, 0, 0, 0};
    double gross = 0;
    int nw = 0;
    for (std::size_t i = 0; i < s.energy_keV.size(); ++i) {
      const double x = s.energy_keV[i];
      if (x < e - half || x > e + half) continue;
      const double bg = bl + (br - bl) * (x - xl) / (xr - xl);
      p.area += s.counts[i] - bg;
      p.background += bg;
      gross += s.counts[i];
      ++nw;
    }
    // Var(net) = Var(gross) + Var(background sum); the background's channels are nw times a
    // mean over nl + nr flank channels (counts Poisson), so its variance is nw^2 bg/(nl + nr).
    const double bg_mean = nw > 0 ? p.background / nw : 0.0;
    p.area_error = std::sqrt(std::max(gross, 0.0) + static_cast<double>(nw) * nw * std::max(bg_mean, 0.0) / (nl + nr));
    out.push_back(p);
  }
  return out;
}

std::map<std::string, double> ratios_to(const std::vector<PeakArea>& areas, std::string_view reference) {
  double ref = 0;
  for (const auto& a : areas)
    if (a.element == reference) ref = a.area;
  if (!(ref > 0)) throw Error(fmt::format("EDS: reference element {} has no positive peak area", reference));
  std::map<std::string, double> r;
  for (const auto& a : areas) r[a.element] = a.area / ref;
  return r;
}

std::vector<std::string> quantification_warnings(const std::vector<PeakArea>& areas, const std::map<std::string, double>& k,
                                                 std::string_view reference, const EdsOptions& o) {
  std::vector<std::string> w;
  for (const auto& a : areas)
    if (!(a.area > 3 * a.area_error))
      w.push_back(
          fmt::format("{} {}: not detected (net area {:.4g} +- {:.3g} counts, below 3 standard errors): its fraction is "
                      "a detection limit{}",
                      a.element, a.line, a.area, a.area_error, a.area < 0 ? ", counted as 0" : ""));
  // Every line of the elements asked for, against each measured window.
  for (const auto& a : areas)
    for (const auto& l : line_library()) {
      if (l.element == a.element) continue;
      bool asked = false;
      for (const auto& b : areas) asked = asked || b.element == l.element;
      if (!asked || std::fabs(l.energy_keV - a.energy_keV) >= o.fwhm_keV) continue;
      w.push_back(
          fmt::format("{} {} ({:.3f} keV) overlaps {} {} ({:.3f} keV) within the detector's FWHM {:.3g} keV: the window "
                      "area holds both",
                      a.element, a.line, a.energy_keV, l.element, l.line, l.energy_keV, o.fwhm_keV));
    }
  std::string missing;
  for (const auto& a : areas)
    if (!k.count(a.element) && a.element != reference) missing += (missing.empty() ? "" : ", ") + a.element;
  if (!missing.empty() && areas.size() > 1)
    w.push_back(
        fmt::format("no Cliff-Lorimer k-factor for {}: k = 1 assumed, so the composition is standardless and "
                    "semi-quantitative (no absorption or fluorescence correction)",
                    missing));
  return w;
}

Composition cliff_lorimer(const std::vector<PeakArea>& areas, const std::map<std::string, double>& k) {
  Composition c;
  double total = 0, total_at = 0;
  for (const auto& a : areas) {
    const auto it = k.find(a.element);
    const double w = std::max(a.area, 0.0) * (it == k.end() ? 1.0 : it->second);
    c.weight_fraction[a.element] = w;
    total += w;
  }
  if (!(total > 0)) throw Error("EDS: no positive peak areas to quantify");
  for (auto& [e, w] : c.weight_fraction) {
    w /= total;
    const double at = w / chem::atomic_weight(e);
    c.atomic_fraction[e] = at;
    total_at += at;
  }
  for (auto& [e, a] : c.atomic_fraction) a /= total_at;
  return c;
}

}  // namespace castor::eds
