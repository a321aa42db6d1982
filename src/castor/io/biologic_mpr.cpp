// Layout (facts from galvani and yadg, checked against real files):
//   0   "BIO-LOGIC MODULAR FILE\x1a" padded with spaces to 48 bytes, then 4 NUL bytes
//   52  modules, each: "MODULE", short name (10 B), long name (25 B), then either
//       length u32, version u32, date (8 B)                           (EC-Lab < 11.50), or
//       0xFFFFFFFF, length u32, version u32, extra u32, date (8 B)     (EC-Lab >= 11.50),
//       then `length` bytes of module data.
//   Data module: n_points u32, n_columns u8, column IDs (u16 LE; from byte 5 in versions
//   2 and 3, from byte 6 in version 0), records from byte 405 (v2), 406 (v3) or 1007
//   (v0). Each record is the packed columns, flags (IDs 1,2,3,21,31,65) sharing one byte.
#include "castor/io/biologic_mpr.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/io/detail/biologic_columns.h"
#include "castor/io/detail/byte_reader.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {

constexpr std::string_view kFormat = "BioLogic .mpr";
constexpr std::string_view kMagic = "BIO-LOGIC MODULAR FILE\x1a";

struct Module {
  std::string short_name;
  std::uint32_t version = 0;
  std::size_t data_offset = 0;  // absolute
  std::size_t length = 0;
};

struct Field {
  std::string name;
  char type = 'f';
  std::size_t offset = 0;  // within the record
  std::optional<std::uint8_t> flag_mask;
  std::uint16_t id = 0;
};

std::string pascal_string(const ByteReader& r, std::size_t offset, std::size_t max_len) {
  if (offset >= r.size()) return {};
  const auto n = std::min<std::size_t>(r.at<std::uint8_t>(offset), max_len);
  if (offset + 1 + n > r.size()) return {};
  return to_utf8(trim(r.bytes_at(offset + 1, n)));
}

std::string technique_name(std::uint8_t id) {
  switch (id) {
    case 0x04:
    case 0x77:
      return "Galvanostatic Cycling with Potential Limitation";
    case 0x06:
    case 0x30:
      return "Cyclic Voltammetry";
    case 0x0B:
      return "Open Circuit Voltage";
    case 0x16:
      return "Modular Pulse";
    case 0x18:
      return "Chronoamperometry / Chronocoulometry";
    case 0x19:
      return "Chronopotentiometry";
    case 0x1C:
      return "Wait";
    case 0x1D:
      return "Potentio Electrochemical Impedance Spectroscopy";
    case 0x1E:
      return "Galvano Electrochemical Impedance Spectroscopy";
    case 0x32:
      return "IR compensation (PEIS)";
    case 0x33:
      return "Cyclic Voltammetry Advanced";
    case 0x6C:
      return "Linear Sweep Voltammetry";
    case 0x75:
      return "Constant Voltage";
    case 0x76:
      return "Constant Current";
    case 0x7F:
      return "Modulo Bat";
    case 0x88:
      return "Battery Capacity Determination";  // BT-Lab
    default:
      return fmt::format("technique 0x{:02X}", id);
  }
}

double read_typed(const std::uint8_t* p, char type) {
  switch (type) {
    case 'B':
      return *p;
    case 'H': {
      std::uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 'I': {
      std::uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case 'f': {
      float v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case 'd': {
      double v;
      std::memcpy(&v, p, 8);
      return v;
    }
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

void read_settings(const ByteReader& r, const Module& m, Table& t) {
  const std::size_t b = m.data_offset;
  if (m.length < 0x0215) return;  // too short to hold the cell characteristics
  t.meta.technique = technique_name(r.at<std::uint8_t>(b));
  t.meta.extra["biologic.technique_id"] = fmt::format("0x{:02X}", r.at<std::uint8_t>(b));
  const std::string comments = pascal_string(r, b + 0x0007, 255);
  if (!comments.empty()) t.meta.extra["comments"] = comments;
  const float mass_mg = r.at<float>(b + 0x0107);
  if (std::isfinite(mass_mg) && mass_mg > 0) t.meta.active_mass_g = mass_mg * 1e-3;
  const float area = r.at<float>(b + 0x0211);
  if (std::isfinite(area) && area > 0) t.meta.electrode_area_cm2 = area;
  const std::string material = pascal_string(r, b + 0x011E, 160);
  if (!material.empty()) t.meta.extra["electrode_material"] = material;
  const std::string electrolyte = pascal_string(r, b + 0x01C0, 80);
  if (!electrolyte.empty()) t.meta.extra["electrolyte"] = electrolyte;
  if (m.length >= 0x0250) {
    const float char_mass = r.at<float>(b + 0x024C);
    if (std::isfinite(char_mass) && char_mass > 0) t.meta.extra["characteristic_mass_g"] = fmt::format("{}", char_mass);
  }
}

void read_log(const ByteReader& r, const Module& m, Table& t) {
  const std::size_t b = m.data_offset;
  if (m.length < 0x03D0) return;
  const double ole = r.at<double>(b + 0x0249);
  if (std::isfinite(ole) && ole != 0) set_start_time(t.meta, ole_days_to_unix_s(ole), "log module's acquisition date");
  const std::string version = pascal_string(r, b + 0x03B7, 6);
  // EC-Lab's versions are 9 and above, BT-Lab's 1 to 4 (BT-Lab 1.79 writes "1.79").
  if (!version.empty()) {
    const auto major = parse_double(version.substr(0, version.find('.')));
    t.meta.software_version = (major && *major < 5 ? "BT-Lab " : "EC-Lab ") + version;
  }
  const std::string sn = pascal_string(r, b + 0x03CF, 16);
  if (!sn.empty()) t.meta.extra["device_serial"] = sn;
  t.meta.extra["channel"] = fmt::format("{}", r.at<std::uint8_t>(b + 0x0009) + 1);
}

void read_data(const ByteReader& r, const Module& m, Table& t) {
  const std::size_t b = m.data_offset;
  if (m.length < 6) r.fail(b, "data module too short for its header");
  const std::uint32_t n_points = r.at<std::uint32_t>(b);
  const std::uint8_t n_cols = r.at<std::uint8_t>(b + 4);
  std::size_t ids_at, records_at;
  switch (m.version) {
    case 0:
      ids_at = 6;
      records_at = 0x3EF;
      break;
    case 2:
      ids_at = 5;
      records_at = 0x195;
      break;
    case 3:
      ids_at = 5;
      records_at = 0x196;
      break;
    default:
      r.fail(b, fmt::format("unsupported data-module version {} (castor reads 0, 2 and 3)", m.version));
  }
  if (records_at > m.length) r.fail(b, fmt::format("data module of {} bytes is shorter than its {}-byte header", m.length, records_at));
  if (ids_at + 2u * n_cols > records_at) r.fail(b + 4, fmt::format("{} column IDs do not fit in the data-module header", n_cols));

  // Lay out the record from the column IDs.
  std::vector<Field> fields;
  std::optional<std::size_t> flag_offset;
  std::size_t width = 0;
  std::vector<std::size_t> unknown;
  for (std::size_t k = 0; k < n_cols; ++k) {
    const auto id = r.at<std::uint16_t>(b + ids_at + 2 * k);
    if (const BiologicFlag* f = find_biologic_flag(id)) {
      if (!flag_offset) {
        flag_offset = width;
        width += 1;
      }
      fields.push_back({std::string(f->name), 'B', *flag_offset, f->mask, id});
    } else if (const BiologicColumnType* c = find_biologic_column(id)) {
      fields.push_back({std::string(c->name), c->type, width, std::nullopt, id});
      width += type_width(c->type);
    } else {
      unknown.push_back(fields.size());
      fields.push_back({fmt::format("unknown_{}", id), '?', width, std::nullopt, id});
    }
  }
  const std::size_t available = m.length - records_at;
  if (!unknown.empty()) {
    // Infer the unknown columns' width from the record length.
    std::size_t extra = 4 * unknown.size();
    if (n_points > 0) {
      if (available % n_points != 0 || available / n_points < width)
        r.fail(b, fmt::format("cannot lay out records: unknown column ID(s) and {} bytes for "
                              "{} points",
                              available, n_points));
      extra = available / n_points - width;
    }
    char type;
    if (extra == 4 * unknown.size())
      type = 'f';
    else if (extra == 8 * unknown.size())
      type = 'd';
    else if (extra == 2 * unknown.size())
      type = 'H';
    else if (unknown.size() == 1 && extra == 1)
      type = 'B';
    else
      r.fail(b, fmt::format("cannot infer the width of {} unknown column(s) from {} spare bytes "
                            "per record",
                            unknown.size(), extra));
    // Re-lay the offsets with the inferred type.
    width = 0;
    flag_offset.reset();
    for (auto& f : fields) {
      if (f.flag_mask) {
        if (!flag_offset) {
          flag_offset = width;
          width += 1;
        }
        f.offset = *flag_offset;
        continue;
      }
      if (f.type == '?') f.type = type;
      f.offset = width;
      width += type_width(f.type);
    }
  }
  if (width == 0 && n_points > 0) r.fail(b, "data module has points but no columns");
  const std::size_t needed = static_cast<std::size_t>(n_points) * width;
  if (needed > available)
    r.fail(b + records_at, fmt::format("file ends early: {} points of {} bytes need {} bytes, the data module "
                                       "holds {}",
                                       n_points, width, needed, available));
  if (available != needed && n_points > 0) t.meta.extra["biologic.trailing_bytes"] = fmt::format("{}", available - needed);
  // Whole records beyond the declared point count: the count was damaged (or zeroed).
  if (width > 0 && available >= needed + width && (available - needed) % width == 0)
    t.meta.warnings.push_back(
        fmt::format("the data module at byte {} declares {} points but holds bytes for {} records of {} "
                    "bytes; only the declared points are read (a damaged point count?)",
                    b, n_points, available / width, width));

  const std::uint8_t* base = r.ptr(b + records_at, needed);
  for (const auto& f : fields) {
    // Reserved and appended, not sized and overwritten: each column's memory is written
    // once (a first write to fresh pages is what a cold read costs).
    std::vector<double> v;
    v.reserve(n_points);
    if (f.flag_mask) {
      const std::uint8_t mask = *f.flag_mask;
      const int shift = __builtin_ctz(mask);
      for (std::size_t i = 0; i < n_points; ++i) v.push_back(static_cast<double>((base[i * width + f.offset] & mask) >> shift));
    } else {
      // One loop per stored type (the type is the column's, not the row's).
      auto each = [&]<class T>(T) {
        const std::uint8_t* p = base + f.offset;
        for (std::size_t i = 0; i < n_points; ++i, p += width) {
          T x;
          std::memcpy(&x, p, sizeof(T));
          v.push_back(static_cast<double>(x));
        }
      };
      switch (f.type) {
        case 'B':
          each(std::uint8_t{});
          break;
        case 'H':
          each(std::uint16_t{});
          break;
        case 'I':
          each(std::uint32_t{});
          break;
        case 'f':
          each(float{});
          break;
        case 'd':
          each(double{});
          break;
        default:
          v.assign(n_points, read_typed(base, f.type));  // an unknown type: NaN
      }
    }
    std::string name = f.name;
    if (t.has(name)) name = fmt::format("{} (id {})", name, f.id);  // duplicate meaning
    const auto slash = name.rfind('/');
    std::string unit = (slash != std::string::npos && !f.flag_mask) ? name.substr(slash + 1) : "";
    t.add(name, unit, name, ColumnRole::Raw, std::move(v));
  }
  if (fields.empty()) t.add("time/s", "s", "time/s", ColumnRole::Raw, {});
}

}  // namespace

Table read_biologic_mpr(std::span<const std::uint8_t> bytes, const std::string& name) {
  ByteReader r(bytes, name, std::string(kFormat));
  if (bytes.size() < kMagic.size() || r.bytes_at(0, kMagic.size()) != kMagic)
    r.fail(0, "not a BioLogic .mpr file (missing 'BIO-LOGIC MODULAR FILE' magic)");
  Table t;
  t.meta.source_file = name;
  t.meta.format = "biologic-mpr";
  t.meta.instrument = "BioLogic";

  std::vector<Module> modules;
  std::size_t pos = 52;
  while (pos < bytes.size()) {
    if (r.bytes_at(pos, std::min<std::size_t>(6, bytes.size() - pos)) != "MODULE")
      r.fail(pos, "expected 'MODULE' (file corrupted or truncated between modules)");
    const std::size_t h = pos + 6;
    Module m;
    m.short_name = std::string(trim(r.bytes_at(h, 10)));
    if (r.at<std::uint32_t>(h + 35) == 0xFFFFFFFFu) {  // EC-Lab >= 11.50 header
      m.length = r.at<std::uint32_t>(h + 39);
      m.version = r.at<std::uint32_t>(h + 43);
      m.data_offset = h + 59;
    } else {
      m.length = r.at<std::uint32_t>(h + 35);
      m.version = r.at<std::uint32_t>(h + 39);
      m.data_offset = h + 51;
    }
    if (m.data_offset > bytes.size() || m.length > bytes.size() - m.data_offset)
      r.fail(h, fmt::format("module '{}' claims {} bytes but the file ends {} bytes later "
                            "(truncated file?)",
                            m.short_name, m.length, bytes.size() - std::min(bytes.size(), m.data_offset)));
    modules.push_back(m);
    pos = m.data_offset + m.length;
  }

  bool have_data = false;
  for (const auto& m : modules) {
    if (m.short_name == "VMP Set")
      read_settings(r, m, t);
    else if (m.short_name == "VMP LOG")
      read_log(r, m, t);
    else if (m.short_name == "VMP loop" || m.short_name == "VMP ExtDev")
      t.meta.not_read.push_back(fmt::format("module '{}' ({} bytes)", m.short_name, m.length));
  }
  for (const auto& m : modules) {
    if (m.short_name == "VMP data") {
      if (have_data) r.fail(m.data_offset, "more than one data module");
      read_data(r, m, t);
      have_data = true;
    } else if (m.short_name != "VMP Set" && m.short_name != "VMP LOG" && m.short_name != "VMP loop" && m.short_name != "VMP ExtDev") {
      t.meta.extra["biologic.unknown_module"] = m.short_name;  // kept, not fatal
      t.meta.not_read.push_back(fmt::format("module '{}' ({} bytes at byte {})", m.short_name, m.length, m.data_offset));
    }
  }
  if (!have_data) r.fail(52, "no data module ('VMP data') in the file");
  // Column 6 is the working electrode's potential in EC-Lab techniques and the cell voltage
  // in BT-Lab's Battery Capacity Determination, whose .mpt export names it Ecell/V (yadg).
  if (t.meta.extra["biologic.technique_id"] == "0x88")
    if (Column* e = t.find("Ewe/V")) e->name = e->source_name = "Ecell/V";
  if (t.meta.extra["biologic.technique_id"].empty()) t.meta.extra.erase("biologic.technique_id");
  blank_quality_indicators_above_100kHz(t);
  add_biologic_common_columns(t);
  return t;
}

Table read_biologic_mpr(const std::filesystem::path& path) {
  const MappedFile bytes(path, std::string(kFormat));
  return read_biologic_mpr(bytes.bytes(), path.string());
}

}  // namespace castor::io
