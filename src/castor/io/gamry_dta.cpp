#include "castor/io/gamry_dta.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <limits>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::io {

namespace {

// A PWR800 cyclic charge-discharge file: one row per half cycle (Type 0 charge, 1
// discharge; Charge in C; Energy in J, signed), read as castor's half-cycle table.
Table read_capacity_curve(Table t, const std::vector<std::string_view>& lines, std::size_t at, char decimal) {
  const std::string& file = t.meta.source_file;
  const auto head = split(lines[at + 1], '\t');
  const auto units = split(lines[at + 2], '\t');
  std::vector<std::string> names;
  for (std::size_t k = 1; k < head.size(); ++k) names.push_back(to_utf8(trim(head[k])));
  std::vector<std::vector<double>> cols(names.size());
  std::vector<std::string> over;
  std::size_t j = at + 3;
  for (; j < lines.size() && lines[j].starts_with('\t'); ++j) {
    auto row = split(lines[j], '\t');
    while (row.size() > head.size() && trim(row.back()).empty()) row.pop_back();
    if (row.size() != head.size())
      throw Error(file, t.meta.format,
                  fmt::format("CAPACITYCURVE row has {} fields, its header names {}{}", row.size() - 1, names.size(),
                              j + 1 == lines.size() ? " (the file looks truncated)" : ""))
          .at_line(j + 1);
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (names[k] == "Over") {
        over.emplace_back(trim(row[k + 1]));
        cols[k].push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      const auto v = parse_double_strict(trim(row[k + 1]), decimal);
      if (!v)
        throw Error(file, t.meta.format, fmt::format("CAPACITYCURVE column {} holds '{}', not a number", names[k], trim(row[k + 1])))
            .at_line(j + 1);
      cols[k].push_back(*v);
    }
  }
  const std::size_t rows = j - (at + 3);
  if (rows == 0) throw Error(file, t.meta.format, "CAPACITYCURVE table without rows").at_line(at + 1);
  auto index = [&](std::string_view n) -> std::optional<std::size_t> {
    for (std::size_t k = 0; k < names.size(); ++k)
      if (names[k] == n) return k;
    return std::nullopt;
  };
  const auto type = index("Type"), cycle = index("Cycle"), charge = index("Charge"), time = index("Time");
  if (!type || !cycle || !charge || !time)
    throw Error(file, t.meta.format, "CAPACITYCURVE lacks Time, Type, Cycle or Charge").at_line(at + 2);
  auto unit_of = [&](std::size_t k) { return k + 1 < units.size() ? std::string(trim(units[k + 1])) : std::string(); };
  if (unit_of(*charge) != "C")
    throw Error(file, t.meta.format, fmt::format("CAPACITYCURVE Charge is in '{}'; castor reads C", unit_of(*charge))).at_line(at + 3);
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] != "Over") t.add(names[k], unit_of(k), names[k], ColumnRole::Raw, cols[k]);
  if (!over.empty()) {
    t.columns().erase(std::remove_if(t.columns().begin(), t.columns().end(), [](const Column& c) { return c.name == "Over"; }),
                      t.columns().end());
    t.add_text(TextColumn{"Over", "Over", over});
  }
  std::vector<double> direction(rows), capacity(rows), energy(rows, std::numeric_limits<double>::quiet_NaN());
  const auto energy_k = index("Energy"), vstart = index("Vstart"), vend = index("Vend");
  std::size_t disagree = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double ty = cols[*type][r];
    if (ty != 0 && ty != 1)
      throw Error(file, t.meta.format, fmt::format("CAPACITYCURVE Type {} is neither 0 (charge) nor 1 (discharge)", ty))
          .at_line(at + 4 + r);
    direction[r] = ty == 0 ? 1.0 : -1.0;
    if (cols[*charge][r] < 0)
      throw Error(file, t.meta.format, fmt::format("CAPACITYCURVE Charge {} C is negative", cols[*charge][r])).at_line(at + 4 + r);
    capacity[r] = cols[*charge][r] / 3.6;                           // C -> mAh
    if (energy_k) energy[r] = std::fabs(cols[*energy_k][r]) / 3.6;  // J -> mWh
    // The voltage moves up on charge and down on discharge; the energy's sign follows.
    if (vstart && vend && (cols[*vend][r] - cols[*vstart][r]) * direction[r] < 0) ++disagree;
  }
  if (disagree)
    t.meta.warnings.push_back(
        fmt::format("{} of {} CAPACITYCURVE rows have a voltage moving against their Type "
                    "(0 = charge, 1 = discharge)",
                    disagree, rows));
  t.add(col::time_s, "s", "Time (end of the half cycle)", ColumnRole::Common, cols[*time]);
  t.add(col::cycle, "", "Cycle", ColumnRole::Common, cols[*cycle]);
  t.add(col::half_cycle_direction, "", "Type (0 charge, 1 discharge)", ColumnRole::Common, std::move(direction));
  t.add(col::half_cycle_capacity_mAh, "mAh", "Charge (C / 3.6)", ColumnRole::Common, std::move(capacity));
  if (energy_k) t.add(col::half_cycle_energy_mWh, "mWh", "|Energy| (J / 3.6)", ColumnRole::Common, std::move(energy));
  if (const auto d = index("Duration")) t.add(col::half_cycle_duration_s, "s", "Duration", ColumnRole::Common, cols[*d]);
  t.meta.layout = TableLayout::half_cycles;
  t.meta.technique = "cyclic charge-discharge (" + t.meta.technique + ")";
  return t;
}

}  // namespace

Table read_gamry_dta(const std::filesystem::path& path) {
  const std::string file = path.string();
  const auto bytes = read_file_bytes(path, "Gamry DTA");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto lines = split_lines(text);
  Table t;
  t.meta.source_file = file;
  t.meta.format = "gamry-dta";
  t.meta.instrument = "Gamry";
  if (lines.empty() || trim(lines[0]) != "EXPLAIN")
    throw Error(file, t.meta.format, "first line is not EXPLAIN (not a Gamry DTA file)").at_line(1);
  // The decimal separator of the whole file, from the rows of its tables (data rows start
  // with a tab); a Gamry export written under a decimal-comma locale uses ',' everywhere.
  char decimal = '.';
  {
    std::vector<std::string_view> sample;
    for (std::size_t i = 1; i < lines.size() && sample.size() < 256; ++i)
      if (lines[i].starts_with('\t') && !trim(lines[i]).empty()) sample.push_back(lines[i]);
    if (const auto layout = detect_number_layout(sample, 2); layout && layout->delimiter == '\t') decimal = layout->decimal;
  }
  if (decimal == ',') t.meta.extra["decimal_separator"] = ",";
  std::vector<std::string> names;
  std::vector<std::vector<double>> cols;
  std::vector<double> curve;
  std::size_t curves = 0;
  std::optional<std::pair<std::size_t, std::size_t>> capacity_curve;  // header line, rows
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto fields = split(lines[i], '\t');
    if (fields.empty()) continue;
    const auto key = trim(fields[0]);
    if (key == "TAG" && fields.size() >= 2) {  // TAG <technique>, two fields
      t.meta.technique = to_utf8(trim(fields[1]));
      continue;
    }
    if (!key.empty() && fields.size() >= 3 && trim(fields[1]) != "TABLE") {
      // Header line: KEY TYPE VALUE [description]
      const std::string k = to_utf8(key), type = std::string(trim(fields[1]));
      const std::string value = to_utf8(trim(fields[2]));
      if (k == "TAG")
        t.meta.technique = value;
      else if (k == "DATE")
        t.meta.extra["gamry.date"] = value;
      else if (k == "SCANRATE")
        t.meta.extra["scan_rate_mV_s"] = value;
      else if (k == "AREA") {
        if (auto a = parse_double(value, decimal); a && *a > 0) t.meta.electrode_area_cm2 = *a;
      } else if (type == "QUANT" || type == "LABEL" || type == "IQUANT" || type == "POTEN") {
        t.meta.extra["gamry." + k] = value;
      }
      continue;
    }
    if (fields.size() >= 2 && trim(fields[1]) == "TABLE" && !key.starts_with("CURVE")) {
      // Another table (OCVCURVE, ZCURVE, CAPACITYCURVE, ...): counted, and kept when it is the
      // per-half-cycle table of a cyclic charge-discharge run.
      std::size_t j = i + 3, n = 0;
      for (; j < lines.size() && lines[j].starts_with('\t'); ++j) ++n;
      if (key == "CAPACITYCURVE") {
        if (i + 2 >= lines.size()) throw Error(file, t.meta.format, "CAPACITYCURVE table without rows").at_line(i + 1);
        capacity_curve = {i, n};
      } else {
        t.meta.not_read.push_back(fmt::format("table {} ({} rows, line {})", to_utf8(key), n, i + 1));
      }
      i = j - 1;
      continue;
    }
    if (key.starts_with("CURVE") && fields.size() >= 2 && trim(fields[1]) == "TABLE") {
      if (i + 2 >= lines.size()) throw Error(file, t.meta.format, "CURVE table without rows").at_line(i + 1);
      const auto head = split(lines[i + 1], '\t');
      std::vector<std::string> these;
      for (std::size_t k = 1; k < head.size(); ++k) these.push_back(to_utf8(trim(head[k])));
      if (names.empty()) {
        names = these;
        cols.assign(names.size(), {});
      } else if (these != names) {
        throw Error(file, t.meta.format, fmt::format("{} has other columns than CURVE1", key)).at_line(i + 2);
      }
      ++curves;
      std::size_t j = i + 3;
      for (; j < lines.size(); ++j) {
        auto row = split(lines[j], '\t');
        if (row.empty() || !trim(row[0]).empty()) break;  // data rows start with a tab
        while (row.size() > head.size() && trim(row.back()).empty()) row.pop_back();
        if (row.size() != head.size())
          throw Error(file, t.meta.format,
                      fmt::format("row has {} fields, the {} header names {}{}", row.size() - 1, key, names.size(),
                                  j + 1 == lines.size() ? " (the file looks truncated)" : ""))
              .at_line(j + 1);
        for (std::size_t k = 0; k < names.size(); ++k) {
          const auto v = parse_double(row[k + 1], decimal);
          cols[k].push_back(v ? *v : std::numeric_limits<double>::quiet_NaN());
        }
        curve.push_back(static_cast<double>(curves));
      }
      i = j - 1;
    }
  }
  if (names.empty() && capacity_curve) return read_capacity_curve(std::move(t), lines, capacity_curve->first, decimal);
  if (capacity_curve)
    t.meta.not_read.push_back(fmt::format("table CAPACITYCURVE ({} rows, line {}; the CURVE tables were read)", capacity_curve->second,
                                          capacity_curve->first + 1));
  if (names.empty()) {
    for (const auto& n : t.meta.not_read)
      if (n.starts_with("table ZCURVE"))
        throw Error(file, t.meta.format, "an impedance file (its data are a ZCURVE table): read it with castor eis");
    throw Error(file, t.meta.format, "no CURVE or CAPACITYCURVE table in the file");
  }
  for (std::size_t k = 0; k < names.size(); ++k) t.add(names[k], "", names[k], ColumnRole::Raw, std::move(cols[k]));
  auto find = [&](const char* n) -> const Column* { return t.find(n); };
  const Column* time = find("T");
  const Column* vf = find("Vf");
  const Column* im = find("Im");
  if (!time || !vf || !im) throw Error(file, t.meta.format, "CURVE tables lack T, Vf or Im");
  // T restarts in each curve in some Gamry versions: make it run on.
  std::vector<double> tt = time->values;
  double offset = 0;
  for (std::size_t r = 1; r < tt.size(); ++r) {
    if (time->values[r] + offset < tt[r - 1] - 1e-9 && curve[r] != curve[r - 1]) offset = tt[r - 1] - time->values[r];
    tt[r] = time->values[r] + offset;
  }
  // Shared, not copied; taken before add() may move the columns (and the pointers into them).
  ColumnValues voltage = vf->values, current = im->values;
  t.add(col::time_s, "s", "T", ColumnRole::Common, std::move(tt));
  t.add(col::voltage_V, "V", "Vf", ColumnRole::Common, std::move(voltage));
  t.add(col::current_A, "A", "Im", ColumnRole::Common, std::move(current));
  t.add(col::cycle, "", "CURVE number", ColumnRole::Common, std::move(curve));
  const bool cv = to_lower(t.meta.technique) == "cv";
  if (cv) t.add(col::step_kind, "", "TAG CV", ColumnRole::Common, std::vector<double>(t.rows(), static_cast<double>(StepKind::sweep)));
  return t;
}

}  // namespace castor::io
