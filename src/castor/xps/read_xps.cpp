#include "castor/xps/read_xps.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/io/detect.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"
#include "castor/xps/vamas.h"

namespace castor::xps {

// PHI MultiPak: "SOFH" ... "EOFH" text header with "Key: value" lines; the regions are in
// "SpectralRegDef: n ... NAME ... npoints step start end ..." lines. The binary part starts
// with one uint32, then 24 uint32 per spectrum (region x spatial area): [8] points, [9] scans,
// [22] byte length, [23] byte offset from the start of the binary part. The value size is
// length / (points x scans): 4 = float32, 8 = float64.
std::vector<XpsBlock> read_phi_spe(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string s = io::read_nonempty_file(path, "PHI spe");
  if (!s.starts_with("SOFH")) throw Error(file, "PHI spe", "does not start with SOFH (not a PHI MultiPak file)");
  const auto eofh = s.find("EOFH");
  if (eofh == std::string::npos) throw Error(file, "PHI spe", "no EOFH: the header is not terminated (truncated file?)");
  std::size_t bin = eofh + 4;
  while (bin < s.size() && (s[bin] == '\r' || s[bin] == '\n')) ++bin;
  std::map<std::string, std::string> meta;
  struct RegionDef {
    std::string name;
    long points = 0;
    double step = 0, start = 0, end = 0;
  };
  std::vector<RegionDef> regions;
  long areas = 1;
  for (auto line : io::split_lines(std::string_view(s).substr(0, eofh))) {
    line = io::trim(line);
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    const std::string key(line.substr(0, colon));
    const std::string value(io::trim(line.substr(colon + 2)));
    if (!meta.count(key)) meta[key] = value;
    if (key == "SpectralRegDef") {
      const auto w = io::split_whitespace(value);
      if (w.size() < 8)
        throw Error(file, "PHI spe", fmt::format("SpectralRegDef '{}' has {} fields, expected at least 8", value, w.size()));
      RegionDef r;
      r.name = std::string(w[2]);
      const auto n = io::parse_double(w[4]), st = io::parse_double(w[5]), a = io::parse_double(w[6]), b = io::parse_double(w[7]);
      const auto points = io::whole_number(n, 1e8);
      if (!points || !st || !a || !b || *points < 1) throw Error(file, "PHI spe", fmt::format("SpectralRegDef '{}': bad numbers", value));
      r.points = *points, r.step = *st, r.start = *a, r.end = *b;
      regions.push_back(r);
    } else if (key == "NoSpatialArea") {
      const auto a = io::whole_number(io::parse_double(value), 1e6);
      if (!a) throw Error(file, "PHI spe", fmt::format("NoSpatialArea '{}' is not a count", value));
      areas = std::max(1L, *a);
    }
  }
  if (regions.empty()) throw Error(file, "PHI spe", "no SpectralRegDef line in the header");
  const std::size_t nspec = regions.size() * static_cast<std::size_t>(areas);
  const std::size_t table = 4 + 24 * 4 * nspec;
  if (s.size() < bin + table)
    throw Error(file, "PHI spe", fmt::format("binary part of {} bytes is shorter than its {}-byte table", s.size() - bin, table));
  auto u32 = [&](std::size_t off) {
    std::uint32_t v;
    std::memcpy(&v, s.data() + off, 4);
    return v;
  };
  const double source = [&] {
    const auto it = meta.find("XraySource");
    if (it == meta.end()) return 0.0;
    const auto w = io::split_whitespace(it->second);
    return w.size() >= 2 ? io::parse_double(w[1]).value_or(0.0) : 0.0;
  }();
  std::vector<XpsBlock> out;
  for (std::size_t k = 0; k < nspec; ++k) {
    const std::size_t h = bin + 4 + 96 * k;
    const auto& rd = regions[k / static_cast<std::size_t>(areas)];
    const std::uint32_t npts = u32(h + 8 * 4), nscan = std::max<std::uint32_t>(1, u32(h + 9 * 4)), len = u32(h + 22 * 4),
                        off = u32(h + 23 * 4);
    if (static_cast<long>(npts) != rd.points)
      throw Error(file, "PHI spe", fmt::format("region {}: binary table says {} points, header {}", rd.name, npts, rd.points)).at_byte(h);
    const std::size_t values = static_cast<std::size_t>(npts) * nscan;
    if (len % values != 0 || (len / values != 4 && len / values != 8))
      throw Error(file, "PHI spe", fmt::format("region {}: {} bytes for {} values is neither float32 nor float64", rd.name, len, values))
          .at_byte(h);
    if (bin + off + len > s.size())
      throw Error(file, "PHI spe", fmt::format("region {}: data run past the end of the file (truncated?)", rd.name)).at_byte(bin + off);
    const std::size_t size = len / values;
    XpsBlock b;
    b.id = areas > 1 ? fmt::format("{} area {}", rd.name, k % static_cast<std::size_t>(areas) + 1) : rd.name;
    b.region.name = rd.name;
    b.region.source = file;
    b.source_energy_eV = source;
    b.intensity_unit = "counts/s";
    b.meta = meta;
    b.meta["scans"] = std::to_string(nscan);
    // Scans are averaged (the values are count rates).
    std::vector<double> y(npts, 0.0);
    for (std::size_t q = 0; q < nscan; ++q)
      for (std::size_t i = 0; i < npts; ++i) {
        const char* p = s.data() + bin + off + (q * npts + i) * size;
        double v;
        if (size == 4) {
          float f;
          std::memcpy(&f, p, 4);
          v = f;
        } else {
          std::memcpy(&v, p, 8);
        }
        if (!std::isfinite(v))
          throw Error(file, "PHI spe", fmt::format("region {}: value {} is not finite", rd.name, i))
              .at_byte(static_cast<std::uint64_t>(p - s.data()));
        y[i] += v / nscan;
      }
    // Energies: binding energy from start in steps (negative step: decreasing BE).
    for (std::size_t i = 0; i < npts; ++i) {
      b.region.be_eV.push_back(rd.start + rd.step * static_cast<double>(i));
      b.region.counts.push_back(y[i]);
    }
    out.push_back(std::move(b));
  }
  return out;
}

// SpecsLab2 .xy: '#' comment header per region ("# Region: name", "# Excitation Energy:",
// "# values in kinetic energy" / binding energy, "# Counts Per Second: yes"), then
// whitespace-separated columns energy, intensity[, scaling]; curves of a region are separated
// by "# Cycle: n, Curve: m" lines and averaged.
std::vector<XpsBlock> read_specs_xy(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string s = io::read_nonempty_file(path, "SPECS xy");
  std::vector<XpsBlock> out;
  bool next_kinetic = false, kinetic = false, cps = false, cfs = false;
  std::string group;
  XpsBlock cur;
  std::vector<std::vector<std::pair<double, double>>> curves;
  auto flush = [&]() {
    if (curves.empty()) return;
    const auto& first = curves.front();
    for (const auto& c : curves)
      if (c.size() != first.size())
        throw Error(file, "SPECS xy", fmt::format("region {}: curves of different lengths ({} and {})", cur.id, first.size(), c.size()));
    for (std::size_t i = 0; i < first.size(); ++i) {
      double y = 0;
      for (const auto& c : curves) y += c[i].second;
      y /= static_cast<double>(curves.size());
      const double e = first[i].first;
      if (kinetic && !cfs && cur.source_energy_eV <= 0)
        throw Error(file, "SPECS xy", fmt::format("region {}: kinetic-energy axis without an excitation energy", cur.id));
      cur.region.be_eV.push_back(kinetic && !cfs ? cur.source_energy_eV - e : e);
      cur.region.counts.push_back(y);
    }
    cur.intensity_unit = cps ? "counts/s" : "counts";
    // A constant-final-state scan sweeps the photon energy: its axis is kept as it is.
    cur.meta["axis"] = cfs ? "photon energy (constant final state scan)" : kinetic ? "kinetic" : "binding";
    if (!group.empty()) cur.meta["group"] = group;
    cur.region.source = file;
    out.push_back(cur);
    curves.clear();
  };
  std::size_t lineno = 0;
  bool seen_header = false;
  for (auto raw : io::split_lines(s)) {
    ++lineno;
    const auto line = io::trim(raw);
    if (line.empty()) continue;
    if (line[0] == '#') {
      const auto body = io::trim(line.substr(1));
      if (body.starts_with("Created by:") && body.find("SpecsLab") != std::string_view::npos) seen_header = true;
      const auto colon = body.find(':');
      if (colon == std::string_view::npos) {
        if (io::starts_with_ci(body, "values in kinetic")) next_kinetic = true;
        if (io::starts_with_ci(body, "values in binding")) next_kinetic = false;
        continue;
      }
      const std::string key(io::trim(body.substr(0, colon)));
      const std::string value = io::to_utf8(io::trim(body.substr(colon + 1)));
      if (key == "Region") {
        flush();
        kinetic = next_kinetic;
        cfs = false;
        cur = XpsBlock{};
        cur.id = value;
        cur.region.name = value;
        seen_header = true;
      } else if (key == "Group") {
        group = value;
      } else if (key == "Counts Per Second") {
        cps = io::starts_with_ci(value, "yes");
      } else if (key == "Kinetic Energy Axis") {
        next_kinetic = io::starts_with_ci(value, "yes");
      } else if (key == "Scan Mode") {
        cfs = value == "ConstantFinalState";
        cur.meta[key] = value;
      } else if (key == "Excitation Energy") {
        cur.source_energy_eV = io::parse_double(value).value_or(0.0);
        cur.meta[key] = value;
      } else if (key == "Cycle") {
        if (value.find("Curve") != std::string::npos) curves.emplace_back();
      } else if (!cur.id.empty() && !key.starts_with("Parameter")) {
        cur.meta[key] = value;
      }
      continue;
    }
    if (!seen_header) throw Error(file, "SPECS xy", "data before any '# Region:' header (not a SpecsLab .xy export)").at_line(lineno);
    const auto w = io::split_whitespace(line);
    if (w.size() < 2) throw Error(file, "SPECS xy", fmt::format("expected energy and intensity, found '{}'", line)).at_line(lineno);
    const auto e = io::parse_double(w[0]), y = io::parse_double(w[1]);
    if (!e || !y || !std::isfinite(*e) || !std::isfinite(*y))
      throw Error(file, "SPECS xy", fmt::format("not two numbers: '{}'", line)).at_line(lineno);
    if (curves.empty()) curves.emplace_back();
    curves.back().emplace_back(*e, *y);
  }
  flush();
  if (out.empty()) throw Error(file, "SPECS xy", "no region with data");
  return out;
}

std::vector<XpsBlock> read_xps_columns(const std::filesystem::path& path, double source) {
  const std::string file = path.string();
  const std::string s = io::read_nonempty_file(path, "XPS columns");
  XpsBlock b;
  b.id = path.stem().string();
  b.region.name = b.id;
  b.region.source = file;
  b.intensity_unit = "counts";
  bool kinetic = false;
  const auto lines = io::split_lines(s);
  std::vector<std::string_view> sample;
  for (auto raw : lines) {
    const auto line = io::trim(raw);
    if (!line.empty() && line[0] != '#') sample.push_back(line);
    if (sample.size() == 64) break;
  }
  const auto layout = io::detect_number_layout(sample, 2);
  if (!layout) throw Error(file, "XPS columns", "no rows of two numbers (energy, intensity)");
  std::vector<std::string_view> f;
  std::size_t width = 0;
  for (std::size_t lineno = 1; lineno <= lines.size(); ++lineno) {
    const auto line = io::trim(lines[lineno - 1]);
    if (line.empty() || line[0] == '#') continue;
    io::split_fields(line, layout->delimiter, f);
    while (!f.empty() && io::trim(f.back()).empty()) f.pop_back();
    if (f.size() < 2) throw Error(file, "XPS columns", fmt::format("expected two columns, found '{}'", line)).at_line(lineno);
    const auto e = io::parse_double_strict(io::trim(f[0]), layout->decimal);
    const auto y = io::parse_double_strict(io::trim(f[1]), layout->decimal);
    if (!e || !y) {
      if (b.region.be_eV.empty()) {  // a header line
        const std::string h = io::to_lower(io::trim(f[0]));
        kinetic = h.find("ke") == 0 || h.find("kinetic") != std::string::npos;
        if (f[1].size() > 0) b.meta["intensity column"] = std::string(io::trim(f[1]));
        continue;
      }
      throw Error(file, "XPS columns", fmt::format("not two numbers: '{}'", line)).at_line(lineno);
    }
    if (width == 0) width = f.size();
    if (f.size() != width)
      throw Error(file, "XPS columns", fmt::format("row has {} fields, the rows above have {}", f.size(), width)).at_line(lineno);
    if (!std::isfinite(*e) || !std::isfinite(*y))
      throw Error(file, "XPS columns", fmt::format("NaN or infinity in '{}'", line)).at_line(lineno);
    b.region.be_eV.push_back(*e);
    b.region.counts.push_back(*y);
  }
  if (layout->decimal == ',') b.meta["decimal_separator"] = ",";
  if (b.region.be_eV.size() < 5)
    throw Error(file, "XPS columns", fmt::format("{} data rows; a spectrum needs at least 5", b.region.be_eV.size()));
  if (kinetic) {
    if (source <= 0) throw Error(file, "XPS columns", "kinetic-energy column: give the excitation energy (e.g. --source 1486.6)");
    for (double& e : b.region.be_eV) e = source - e;
    b.source_energy_eV = source;
  }
  b.meta["axis"] = kinetic ? "kinetic" : "binding";
  return {b};
}

int sniff_phi_spe(const io::FileHead& h) { return h.bytes.starts_with("SOFH") ? 3 : 0; }

int sniff_vamas(const io::FileHead& h) {
  const auto first = h.bytes.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && h.bytes.substr(first).starts_with("VAMAS Surface Chemical Analysis Standard") ? 3 : 0;
}

std::vector<XpsBlock> read_vamas_blocks(const std::filesystem::path& path) {
  std::vector<XpsBlock> out;
  for (const auto& v : read_vamas(path)) {
    XpsBlock b;
    b.id = v.block_id;
    b.region = v.region();
    b.source_energy_eV = v.source_energy_eV;
    b.intensity_unit = v.variable_names.empty() ? "counts" : v.variable_names.front();
    b.meta = v.meta;
    b.meta["species"] = v.species;
    b.meta["transition"] = v.transition;
    out.push_back(std::move(b));
  }
  return out;
}

int sniff_specs_xy(const io::FileHead& h) {
  return h.bytes.find("SpecsLab") != std::string_view::npos || h.bytes.find("# Region:") != std::string_view::npos ? 3 : 0;
}

int sniff_xps_columns(const io::FileHead& h) { return h.bytes.empty() ? 0 : 1; }
std::vector<XpsBlock> read_xps_table(const std::filesystem::path& path) { return read_xps_columns(path); }

std::vector<XpsBlock> read_xps(const std::filesystem::path& path) {
  const std::string head = io::read_head(path, 4096, "XPS");
  if (head.empty()) throw Error(path.string(), "XPS", "file is empty");
  const auto* row = io::detect_of_kind("xps", io::make_file_head(head, path));
  if (!row) throw Error(path.string(), "XPS", "not an XPS file castor knows (see `castor formats`)");
  return row->read_xps(path);
}

}  // namespace castor::xps
