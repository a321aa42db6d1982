#include "castor/cycling/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/provenance.h"
#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"
#include "castor/report/style.h"

namespace castor::cycling {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string key(std::string_view s) {
  std::string o;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) o.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return o;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

// Fields of a CSV line, a quoted field ("a, b") kept whole without its quotes.
void split_quoted(std::string_view line, char delim, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      const std::size_t close = line.find('"', i + 1);
      const std::size_t end = close == std::string_view::npos ? line.size() : close;
      out.push_back(line.substr(i + 1, end - i - 1));
      i = line.find(delim, end);
    } else {
      const std::size_t next = line.find(delim, i);
      out.push_back(line.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i));
      i = next;
    }
    if (i == std::string_view::npos) break;
    ++i;
  }
}

std::string num(double x, const char* f = "{:.4g}") { return std::isfinite(x) ? fmt::format(fmt::runtime(f), x) : ""; }
}  // namespace

MapPoint map_point(const CyclingResult& r, const std::string& name, std::optional<int> cycle) {
  if (!r.mass)
    throw Error(r.source_file, "compare", "no active mass: the map's flatness is in mV per mAh/g (give --mass-mg or the loading)");
  const CycleRow* chosen = nullptr;
  for (const auto& c : r.cycles) {
    if (cycle && c.cycle != *cycle) continue;
    if (c.hysteresis && std::isfinite(c.flatness_mean)) {
      chosen = &c;
      break;
    }
    if (cycle) {
      throw Error(r.source_file, "compare",
                  fmt::format("cycle {} has no {} ({})", *cycle, c.hysteresis ? "flatness for both halves" : "hysteresis",
                              c.hysteresis ? "see castor cycling" : c.hysteresis_note));
    }
  }
  if (!chosen)
    throw Error(r.source_file, "compare",
                cycle ? fmt::format("no cycle {} (castor cycling numbers the cycles: {})", *cycle, r.cycle_rule)
                      : std::string("no complete cycle with a hysteresis and a flatness for both halves"));
  MapPoint p;
  p.material = name;
  p.source = r.source_file;
  p.measured = true;
  p.cycle = chosen->cycle;
  p.hysteresis_V = chosen->hysteresis->value_V;
  p.method = chosen->hysteresis->method == HysteresisMethod::soc50 ? "soc50" : "dqdv-peaks";
  p.flatness_mV_per_mAh_g = chosen->flatness_mean;
  p.voltage_V = 0.5 * (chosen->average_charge_V + chosen->average_discharge_V);
  p.capacity_mAh_g = r.specific(chosen->discharge_mAh);
  if (p.method == "soc50") p.notes.push_back("hysteresis from the SOC-50 % voltages (no dQ/dV peak)");
  for (const auto& f : chosen->flags) p.notes.push_back("cycle flag: " + f);
  for (const auto& w : r.warnings) p.notes.push_back(w);
  return p;
}

std::vector<MapPoint> read_literature(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string text = io::read_nonempty_file(path, "literature CSV");
  const auto lines = io::split_lines(text);
  std::size_t h = 0;
  while (h < lines.size() && (io::trim(lines[h]).empty() || io::trim(lines[h]).starts_with("#"))) ++h;
  if (h == lines.size()) throw Error(file, "literature CSV", "no header line");
  std::vector<std::string_view> names;
  split_quoted(lines[h], ',', names);
  int material = -1, hys = -1, flat = -1, volt = -1, cap = -1, source = -1;
  for (std::size_t k = 0; k < names.size(); ++k) {
    const std::string n = key(names[k]);
    const int i = static_cast<int>(k);
    if (n == "material" || n == "cathode" || n == "name")
      material = i;
    else if (n.starts_with("hysteresis"))
      hys = i;
    else if (n.starts_with("flatness"))
      flat = i;
    else if (n.starts_with("voltage"))
      volt = i;
    else if (n.starts_with("capacity"))
      cap = i;
    else if (n == "source" || n == "reference" || n == "ref")
      source = i;
  }
  if (material < 0 || hys < 0 || flat < 0)
    throw Error(file, "literature CSV", "the header must name material, hysteresis_V and flatness_mV_per_mAh_g columns").at_line(h + 1);
  std::vector<MapPoint> out;
  std::vector<std::string_view> f;
  for (std::size_t i = h + 1; i < lines.size(); ++i) {
    // Blanks only: io::trim also drops quotes, which would split a quoted first field.
    auto line = lines[i];
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty() || line.starts_with("#")) continue;
    split_quoted(line, ',', f);
    if (f.size() != names.size())
      throw Error(file, "literature CSV", fmt::format("{} fields, the header has {}", f.size(), names.size())).at_line(i + 1);
    auto number = [&](int col, bool required) {
      if (col < 0) return kNaN;
      const auto s = io::trim(f[static_cast<std::size_t>(col)]);
      if (s.empty() && !required) return kNaN;
      const auto v = io::parse_double_strict(s, '.');
      if (!v || !std::isfinite(*v))
        throw Error(file, "literature CSV",
                    fmt::format("'{}' in column {} is not a finite number", s, names[static_cast<std::size_t>(col)]))
            .at_line(i + 1);
      return *v;
    };
    MapPoint p;
    p.material = std::string(io::trim(f[static_cast<std::size_t>(material)]));
    if (p.material.empty()) throw Error(file, "literature CSV", "empty material").at_line(i + 1);
    p.hysteresis_V = number(hys, true);
    p.flatness_mV_per_mAh_g = number(flat, true);
    if (p.hysteresis_V < 0 || p.flatness_mV_per_mAh_g < 0)
      throw Error(file, "literature CSV", "hysteresis and flatness are magnitudes (>= 0)").at_line(i + 1);
    p.voltage_V = number(volt, false);
    p.capacity_mAh_g = number(cap, false);
    p.source = source >= 0 ? std::string(io::trim(f[static_cast<std::size_t>(source)])) : file;
    out.push_back(std::move(p));
  }
  if (out.empty()) throw Error(file, "literature CSV", "no rows under the header");
  return out;
}

void write_map_csv(const std::vector<MapPoint>& pts, std::ostream& out) {
  out << "material,origin,hysteresis_V,flatness_mV_per_mAh_g,voltage_V,capacity_mAh_g,cycle,hysteresis_method,source,notes\n";
  for (const auto& p : pts) {
    std::string notes;
    for (const auto& n : p.notes) notes += (notes.empty() ? "" : "; ") + n;
    out << fmt::format("{},{},{},{},{},{},{},{},{},{}\n", csv_field(p.material), p.measured ? "castor" : "literature",
                       num(p.hysteresis_V, "{:.6g}"), num(p.flatness_mV_per_mAh_g, "{:.6g}"), num(p.voltage_V, "{:.6g}"),
                       num(p.capacity_mAh_g, "{:.6g}"), p.measured ? std::to_string(p.cycle) : "", p.method, csv_field(p.source),
                       csv_field(notes));
  }
}

void write_map_json(const std::vector<MapPoint>& pts, std::ostream& out) {
  auto j = nlohmann::json::array();
  auto n = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  for (const auto& p : pts)
    j.push_back({{"material", p.material},
                 {"origin", p.measured ? "castor" : "literature"},
                 {"hysteresis_V", n(p.hysteresis_V)},
                 {"flatness_mV_per_mAh_g", n(p.flatness_mV_per_mAh_g)},
                 {"voltage_V", n(p.voltage_V)},
                 {"capacity_mAh_g", n(p.capacity_mAh_g)},
                 {"cycle", p.measured ? nlohmann::json(p.cycle) : nlohmann::json(nullptr)},
                 {"hysteresis_method", p.method},
                 {"source", p.source},
                 {"notes", p.notes}});
  out << nlohmann::json{{"castor", {{"version", version()}, {"command", command_line()}}},
                        {"flatness_definition", "mean of discharge and charge |dV|/dQ over SOC 20-80 %, mV per mAh/g"},
                        {"points", j}}
             .dump(2)
      << '\n';
}

std::string map_text(const std::vector<MapPoint>& pts) {
  std::string s = fmt::format("{:<28} {:>10} {:>9} {:>16} {:>9} {:>10}  {}\n", "material", "origin", "hyst V", "flat mV/(mAh/g)", "V avg",
                              "Q mAh/g", "source / notes");
  for (const auto& p : pts) {
    std::string notes;
    for (const auto& n : p.notes) notes += "; " + n;
    s += fmt::format("{:<28} {:>10} {:>9} {:>16} {:>9} {:>10}  {}{}\n", p.material, p.measured ? "castor" : "literature",
                     num(p.hysteresis_V), num(p.flatness_mV_per_mAh_g), num(p.voltage_V), num(p.capacity_mAh_g), p.source, notes);
  }
  s += "(flatness: mean of discharge and charge over SOC 20-80 %; hysteresis from the dQ/dV peaks of one redox couple, else SOC 50 %)\n";
  return s;
}

report::Figure map_figure(const std::vector<MapPoint>& pts) {
  report::Figure f;
  f.title = "Voltage hysteresis and plateau flatness";
  f.xlabel = "Plateau flatness (mV per mAh/g)";
  f.ylabel = "Voltage hysteresis (V)";
  f.pad = true;
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const auto& p : pts)
    if (p.flatness_mV_per_mAh_g > 0) lo = std::min(lo, p.flatness_mV_per_mAh_g), hi = std::max(hi, p.flatness_mV_per_mAh_g);
  f.log_x = hi > 0 && hi / lo > 30;
  // gnuplot wants a labels series' point colour inside its point spec.
  report::Series lit{"literature", {}, {}, "labels point pt 6 ps 1.4 lc rgb '#555555' offset char 0.8,0.6 left noenhanced", false};
  report::Series own{
      "castor",
      {},
      {},
      fmt::format("labels point pt 7 ps 1.6 lc rgb '{}' offset char 0.8,0.6 left noenhanced", report::style().colours.front()),
      false};
  for (const auto& p : pts) {
    auto& s = p.measured ? own : lit;
    if (f.log_x && !(p.flatness_mV_per_mAh_g > 0)) {
      f.warnings.push_back(fmt::format("{}: flatness {} cannot sit on a log axis (not drawn)", p.material, p.flatness_mV_per_mAh_g));
      continue;
    }
    s.x.push_back(p.flatness_mV_per_mAh_g);
    s.y.push_back(p.hysteresis_V);
    s.labels.push_back(p.material);
    for (const auto& n : p.notes) f.warnings.push_back(p.material + ": " + n);
  }
  if (!lit.x.empty()) f.series.push_back(std::move(lit));
  if (!own.x.empty()) f.series.push_back(std::move(own));
  return f;
}

}  // namespace castor::cycling
