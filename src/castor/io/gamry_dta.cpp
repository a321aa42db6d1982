#include "castor/io/gamry_dta.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"
#include "castor/io/file.h"
#include "castor/io/text.h"

namespace castor::io {

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
    if (const auto layout = detect_number_layout(sample, 2); layout && layout->delimiter == '\t')
      decimal = layout->decimal;
  }
  if (decimal == ',') t.meta.extra["decimal_separator"] = ",";
  std::vector<std::string> names;
  std::vector<std::vector<double>> cols;
  std::vector<double> curve;
  std::size_t curves = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto fields = split(lines[i], '\t');
    if (fields.empty()) continue;
    const auto key = trim(fields[0]);
    if (!key.empty() && fields.size() >= 3 && key.find("CURVE") == std::string_view::npos) {
      // Header line: KEY TYPE VALUE [description]
      const std::string k = to_utf8(key), type = std::string(trim(fields[1]));
      const std::string value = to_utf8(trim(fields[2]));
      if (k == "TAG") t.meta.technique = value;
      else if (k == "DATE") t.meta.extra["gamry.date"] = value;
      else if (k == "SCANRATE") t.meta.extra["scan_rate_mV_s"] = value;
      else if (k == "AREA") {
        if (auto a = parse_double(value, decimal); a && *a > 0) t.meta.electrode_area_cm2 = *a;
      } else if (type == "QUANT" || type == "LABEL" || type == "IQUANT" || type == "POTEN") {
        t.meta.extra["gamry." + k] = value;
      }
      continue;
    }
    if (key.starts_with("CURVE") && fields.size() >= 2 && trim(fields[1]) == "TABLE") {
      if (key.starts_with("ZCURVE") || key.starts_with("OCVCURVE")) continue;
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
                      fmt::format("row has {} fields, the {} header names {}{}", row.size() - 1, key,
                                  names.size(), j + 1 == lines.size() ? " (the file looks truncated)" : ""))
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
  if (names.empty()) throw Error(file, t.meta.format, "no CURVE table in the file");
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
  t.add(col::time_s, "s", "T", ColumnRole::Common, std::move(tt));
  t.add(col::voltage_V, "V", "Vf", ColumnRole::Common, vf->values);
  t.add(col::current_A, "A", "Im", ColumnRole::Common, im->values);
  t.add(col::cycle, "", "CURVE number", ColumnRole::Common, std::move(curve));
  const bool cv = to_lower(t.meta.technique) == "cv";
  if (cv) t.add(col::step_kind, "", "TAG CV", ColumnRole::Common,
                std::vector<double>(t.rows(), static_cast<double>(StepKind::sweep)));
  return t;
}

}  // namespace castor::io
