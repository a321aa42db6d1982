#include "castor/xrd/pattern.h"

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "castor/core/error.h"
#include "castor/io/detect.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::xrd {
namespace {

std::vector<double> numbers(const char* text, const std::string& file, const char* what) {
  std::vector<double> v;
  std::istringstream ss(text);
  std::string w;
  while (ss >> w) {
    const auto d = io::parse_double(w);
    if (!d || !std::isfinite(*d)) throw Error(file, "xrdml", fmt::format("{}: '{}' is not a number", what, w));
    v.push_back(*d);
  }
  return v;
}

void fill_sigma(Pattern& p) {
  p.sigma.resize(p.counts.size());
  for (std::size_t i = 0; i < p.counts.size(); ++i) p.sigma[i] = std::sqrt(std::max(p.counts[i], 1.0));
}

// First descendant element with this local name (the xrdml namespace is the default one).
pugi::xml_node find(pugi::xml_node n, const char* name) {
  return n.find_node([&](pugi::xml_node c) { return std::string_view(c.name()) == name; });
}

}  // namespace

Pattern read_xrdml(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string s = io::read_nonempty_file(path, "xrdml");
  pugi::xml_document doc;
  const auto ok = doc.load_buffer(s.data(), s.size());
  if (!ok) throw Error(file, "xrdml", fmt::format("not valid XML: {}", ok.description())).at_byte(static_cast<std::uint64_t>(ok.offset));
  const auto root = doc.child("xrdMeasurements");
  if (!root) throw Error(file, "xrdml", "no <xrdMeasurements> root (not a PANalytical XRDML file)");
  Pattern p;
  p.source = file;
  if (const auto w = find(root, "usedWavelength")) {
    auto number = [&](const char* name) {
      const auto node = w.child(name);
      if (!node) return std::optional<double>();
      const auto v = io::parse_double(io::trim(node.text().get()));
      if (!v || !std::isfinite(*v) || *v < 0)
        throw Error(file, "xrdml", fmt::format("<{}> holds '{}', not a non-negative number", name, node.text().get()));
      return v;
    };
    p.ka1_Ang = number("kAlpha1").value_or(0.0);
    p.ka2_Ang = number("kAlpha2").value_or(0.0);
    if (const auto r = number("ratioKAlpha2KAlpha1")) {
      p.ka2_ratio = *r;
      p.ka2_ratio_stated = true;
    }
    p.meta["intended wavelength"] = w.attribute("intended").value();
  }
  if (const auto r = find(root, "incidentBeamPath").child("radius")) p.goniometer_radius_mm = r.text().as_double();
  if (const auto t = find(root, "xRayTube")) p.meta["tube"] = t.attribute("name").value();
  const auto scan = find(root, "scan");
  if (!scan) throw Error(file, "xrdml", "no <scan> element");
  p.meta["scan axis"] = scan.attribute("scanAxis").value();
  const auto dp = scan.child("dataPoints");
  if (!dp) throw Error(file, "xrdml", "the scan has no <dataPoints>");
  pugi::xml_node pos;
  for (auto c : dp.children("positions"))
    if (std::string_view(c.attribute("axis").value()) == "2Theta") pos = c;
  if (!pos) throw Error(file, "xrdml", "no <positions axis=\"2Theta\"> in the scan");
  // Intensities (schema 1.x) or counts (2.x); both are counts per point.
  pugi::xml_node data = dp.child("intensities");
  if (!data) data = dp.child("counts");
  if (!data) throw Error(file, "xrdml", "the scan has neither <intensities> nor <counts>");
  p.counts = numbers(data.text().get(), file, data.name());
  if (p.counts.size() < 2) throw Error(file, "xrdml", fmt::format("{} data points; a pattern needs at least 2", p.counts.size()));
  if (const auto t = dp.child("commonCountingTime")) p.counting_time_s = t.text().as_double();
  const std::size_t n = p.counts.size();
  if (const auto list = pos.child("listPositions")) {
    p.two_theta_deg = numbers(list.text().get(), file, "listPositions");
    if (p.two_theta_deg.size() != n)
      throw Error(file, "xrdml", fmt::format("{} listed positions for {} counts", p.two_theta_deg.size(), n));
  } else {
    const auto a = pos.child("startPosition"), b = pos.child("endPosition");
    if (!a || !b) throw Error(file, "xrdml", "2Theta positions have no startPosition/endPosition");
    const double t0 = a.text().as_double(), t1 = b.text().as_double();
    for (std::size_t i = 0; i < n; ++i) p.two_theta_deg.push_back(t0 + (t1 - t0) * static_cast<double>(i) / static_cast<double>(n - 1));
  }
  fill_sigma(p);
  return p;
}

// GSAS standard raw file: title line, "BANK n npts nrec CONST start step 0 0 [STD|ESD]"
// (angles in centidegrees), then counts 10 per line (STD) or (count, esd) pairs 5 per line (ESD).
Pattern read_gsas_std(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string s = io::read_nonempty_file(path, "GSAS raw");
  const auto lines = io::split_lines(s);
  std::size_t i = 0;
  for (; i < lines.size(); ++i)
    if (io::trim(lines[i]).starts_with("BANK")) break;
  if (i == lines.size()) throw Error(file, "GSAS raw", "no BANK line");
  std::istringstream bank{std::string(lines[i])};
  std::string word, kind, fmt_word;
  long bank_no = 0, npts = 0, nrec = 0;
  double start = 0, step = 0, a = 0, b = 0;
  bank >> word >> bank_no >> npts >> nrec >> kind >> start >> step >> a >> b >> fmt_word;
  if (!bank || kind != "CONST" || npts < 2 || step <= 0)
    throw Error(file, "GSAS raw", fmt::format("BANK line '{}': only CONST binning with a positive step is read", io::trim(lines[i])))
        .at_line(i + 1);
  const bool esd = fmt_word == "ESD";
  Pattern p;
  p.source = file;
  p.meta["title"] = std::string(io::trim(lines.front()));
  std::vector<double> vals;
  const std::size_t need = static_cast<std::size_t>(npts) * (esd ? 2 : 1);
  for (std::size_t k = i + 1; k < lines.size() && vals.size() < need; ++k) {
    const auto line = lines[k];
    constexpr std::size_t width = 8;
    // Fixed 8-character fields (numbers may touch each other).
    for (std::size_t c = 0; c + 1 <= line.size() && vals.size() < need; c += width) {
      const auto f = io::trim(line.substr(c, std::min(width, line.size() - c)));
      if (f.empty()) continue;
      const auto v = io::parse_double(f);
      if (!v || !std::isfinite(*v)) throw Error(file, "GSAS raw", fmt::format("'{}' is not a count", f)).at_line(k + 1);
      vals.push_back(*v);
    }
  }
  if (vals.size() < need)
    throw Error(file, "GSAS raw",
                fmt::format("BANK promises {} points, the file holds {} (truncated?)", npts, esd ? vals.size() / 2 : vals.size()));
  for (long k = 0; k < npts; ++k) {
    p.two_theta_deg.push_back((start + step * static_cast<double>(k)) / 100.0);
    p.counts.push_back(vals[static_cast<std::size_t>(esd ? 2 * k : k)]);
    if (esd) p.sigma.push_back(vals[static_cast<std::size_t>(2 * k + 1)]);
  }
  if (!esd) fill_sigma(p);
  return p;
}

Pattern read_xy(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string s = io::read_nonempty_file(path, "xy");
  Pattern p;
  p.source = file;
  bool has_sigma = true;
  const auto lines = io::split_lines(s);
  auto is_comment = [](std::string_view l) { return l.empty() || l[0] == '#' || l[0] == '!' || l[0] == ';'; };
  std::vector<std::string_view> sample;
  for (auto raw : lines) {
    const auto line = io::trim(raw);
    if (!is_comment(line)) sample.push_back(line);
    if (sample.size() == 64) break;
  }
  const auto layout = io::detect_number_layout(sample, 2);
  if (!layout) throw Error(file, "xy", "no rows of two numbers (2-theta, counts)");
  if (layout->decimal == ',') p.meta["decimal_separator"] = ",";
  std::vector<std::string_view> f;
  std::size_t width = 0;
  for (std::size_t lineno = 1; lineno <= lines.size(); ++lineno) {
    const auto line = io::trim(lines[lineno - 1]);
    if (is_comment(line)) continue;
    io::split_fields(line, layout->delimiter, f);
    while (!f.empty() && io::trim(f.back()).empty()) f.pop_back();
    if (f.size() < 2) throw Error(file, "xy", fmt::format("expected 2-theta and counts, found '{}'", line)).at_line(lineno);
    const auto x = io::parse_double_strict(io::trim(f[0]), layout->decimal);
    const auto y = io::parse_double_strict(io::trim(f[1]), layout->decimal);
    if (!x || !y) {
      if (p.two_theta_deg.empty()) continue;  // header line
      throw Error(file, "xy", fmt::format("not numbers: '{}'", line)).at_line(lineno);
    }
    if (width == 0) width = f.size();
    if (f.size() != width)
      throw Error(file, "xy", fmt::format("row has {} fields, the rows above have {}", f.size(), width)).at_line(lineno);
    if (!std::isfinite(*x) || !std::isfinite(*y)) throw Error(file, "xy", fmt::format("NaN or infinity in '{}'", line)).at_line(lineno);
    p.two_theta_deg.push_back(*x);
    p.counts.push_back(*y);
    const auto e = f.size() >= 3 ? io::parse_double_strict(io::trim(f[2]), layout->decimal) : std::nullopt;
    if (e && *e > 0)
      p.sigma.push_back(*e);
    else
      has_sigma = false;
  }
  if (p.counts.size() < 2) throw Error(file, "xy", fmt::format("{} data points; a pattern needs at least 2", p.counts.size()));
  if (!has_sigma || p.sigma.size() != p.counts.size()) fill_sigma(p);
  return p;
}

int sniff_xrdml(const io::FileHead& h) { return h.bytes.find("<xrdMeasurements") != std::string_view::npos ? 3 : 0; }

int sniff_gsas_std(const io::FileHead& h) {
  for (const auto line : h.lines)
    if (io::trim(line).starts_with("BANK ")) return 3;
  return 0;
}

int sniff_xy(const io::FileHead& h) { return h.bytes.empty() ? 0 : 1; }

Pattern read_pattern(const std::filesystem::path& path) {
  const std::string head = io::read_head(path, 4096, "XRD");
  if (head.empty()) throw Error(path.string(), "XRD", "file is empty");
  const auto* row = io::detect_of_kind("xrd", io::make_file_head(head, path));
  if (!row) throw Error(path.string(), "XRD", "not a diffraction pattern castor knows (see `castor formats`)");
  return row->read_pattern(path);
}

Pattern crop(const Pattern& p, double lo, double hi) {
  Pattern o = p;
  o.two_theta_deg.clear(), o.counts.clear(), o.sigma.clear();
  for (std::size_t i = 0; i < p.counts.size(); ++i)
    if (p.two_theta_deg[i] >= lo && p.two_theta_deg[i] <= hi) {
      o.two_theta_deg.push_back(p.two_theta_deg[i]);
      o.counts.push_back(p.counts[i]);
      o.sigma.push_back(p.sigma[i]);
    }
  return o;
}

}  // namespace castor::xrd
