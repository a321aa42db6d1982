#include "castor/io/biologic_mpt.h"

#include <limits>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/io/detail/biologic_columns.h"
#include "castor/io/detail/delimited.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {

constexpr std::string_view kFormat = "BioLogic .mpt";

std::optional<double> number_before_unit(std::string_view value, std::string_view unit) {
  value = trim(value);
  if (auto p = value.find(unit); p != std::string_view::npos) value = trim(value.substr(0, p));
  if (auto v = parse_double(value)) return v;
  return parse_double(value, ',');
}

void read_header(std::span<const std::string_view> header, Table& t) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string line = to_utf8(trim(header[i]));
    if (i == 3 && !line.empty() && line.find(':') == std::string::npos) t.meta.technique = line;
    const auto colon = line.find(" : ");
    if (line.find("for windows v") != std::string::npos && line.find("(software)") != std::string::npos) {
      const auto v = line.find(" v");
      const auto product = line.substr(0, line.find(' '));
      t.meta.software_version =
          fmt::format("{} {}", product == "EC-LAB" ? "EC-Lab" : product, trim(line.substr(v + 2, line.find(' ', v + 2) - v - 2)));
      continue;
    }
    if (colon == std::string::npos) continue;
    const std::string key(trim(line.substr(0, colon)));
    const std::string value(trim(line.substr(colon + 3)));
    if (key == "Acquisition started on") {
      if (auto s = parse_datetime_s(value)) set_start_time(t.meta, *s, "'Acquisition started on' line");
    } else if (key == "Mass of active material") {
      if (auto m = number_before_unit(value, "mg"); m && *m > 0) t.meta.active_mass_g = *m * 1e-3;
    } else if (key == "Electrode surface area") {
      if (auto a = number_before_unit(value, "cm"); a && *a > 0) t.meta.electrode_area_cm2 = *a;
    } else if (key == "Device") {
      t.meta.instrument = "BioLogic " + value;
    } else if (!value.empty() && t.meta.extra.count(key) == 0) {
      t.meta.extra[key] = value;
    }
  }
}

}  // namespace

namespace {
Table read_biologic_text(std::string_view text, const std::string& name, bool csv) {
  const std::string_view format_name = csv ? "BioLogic CSV" : "BioLogic .mpt";
  Table t;
  t.meta.source_file = name;
  t.meta.format = csv ? "biologic-csv" : "biologic-mpt";
  t.meta.instrument = "BioLogic";
  const auto lines = split_lines(text);
  if (lines.empty()) throw Error(name, std::string(format_name), "empty file");

  std::size_t names_line = 0;  // index of the column-name line
  const auto first = trim(lines[0]);
  if (first == "EC-Lab ASCII FILE" || first == "BT-Lab ASCII FILE") {
    if (lines.size() < 2 || !starts_with_ci(trim(lines[1]), "Nb header lines"))
      throw Error(name, std::string(format_name), "missing 'Nb header lines : N' on line 2").at_line(2);
    const auto colon = lines[1].find(':');
    const auto n = colon == std::string_view::npos ? std::nullopt : parse_double(lines[1].substr(colon + 1));
    if (!whole_number(n, 1e7) || *n < 2) throw Error(name, std::string(format_name), "cannot read the number of header lines").at_line(2);
    names_line = static_cast<std::size_t>(*n) - 1;
    if (names_line >= lines.size())
      throw Error(name, std::string(format_name),
                  fmt::format("header claims {} lines, the file has {} (truncated?)", names_line + 1, lines.size()));
    read_header(std::span(lines).subspan(0, names_line), t);
    if (first.starts_with("BT-Lab") && t.meta.software_version.empty()) t.meta.software_version = "BT-Lab";
  } else if (first.find("time/s") == std::string_view::npos && first.find("mode") == std::string_view::npos) {
    throw Error(name, std::string(format_name),
                "not an EC-Lab/BT-Lab text export (no 'EC-Lab ASCII FILE' line and no column "
                "names on line 1)")
        .at_line(1);
  }
  const char delim = csv ? detect_delimiter(lines[names_line]) : '\t';
  const auto raw_names = split(lines[names_line], delim);
  std::vector<std::string_view> kept;
  std::size_t empty_names = 0;
  for (std::size_t k = 0; k < raw_names.size(); ++k) {
    const auto n = raw_names[k];
    // A leading empty name in a CSV is a row index written by pandas.
    if (csv && k == 0 && trim(n).empty())
      kept.push_back("index");
    else if (trim(n).empty())
      ++empty_names;  // EC-Lab writes stray empty names and trailing tabs
    else
      kept.push_back(n);
  }
  auto names = unique_names(kept);
  const std::size_t data0 = names_line + 1;
  // EC-Lab 11.61 PEIS exports name more columns than their rows hold (peis.issue_225:
  // 62 names, 61 fields). When every row agrees on fewer fields, the trailing names have
  // no data; keep the record of them in the metadata.
  if (data0 < lines.size() && !trim(lines[data0]).empty()) {
    auto fields = split(lines[data0], delim);
    while (!fields.empty() && trim(fields.back()).empty()) fields.pop_back();
    if (fields.size() < names.size() && empty_names > 0) {
      std::string dropped;
      for (std::size_t k = fields.size(); k < names.size(); ++k) dropped += (dropped.empty() ? "" : ", ") + names[k];
      t.meta.extra["biologic.header_columns_without_data"] = dropped;
      names.resize(fields.size());
    }
  }
  DelimitedOptions opt;
  opt.delimiter = delim;
  opt.decimal = detect_decimal(std::span(lines).subspan(data0), delim);
  if (opt.decimal == ',') t.meta.extra["decimal_separator"] = ",";
  parse_delimited_rows(lines, data0, names, opt, data0 + 1, t);
  // time/s written as dates: seconds from the first row, the dates kept as text.
  for (auto& c : t.text_columns()) {
    if (c.name != "time/s") continue;
    std::vector<double> seconds(c.values.size(), std::numeric_limits<double>::quiet_NaN());
    double t0 = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < seconds.size(); ++i) {
      const auto s = parse_datetime_s(c.values[i]);
      if (!s)
        throw Error(name, std::string(format_name), fmt::format("time/s holds '{}', neither seconds nor a date", c.values[i]))
            .at_line(data0 + 1 + i);
      if (i == 0) t0 = *s;
      seconds[i] = *s - t0;
    }
    if (t.meta.start_time.empty() && !seconds.empty()) set_start_time(t.meta, t0, "first row's date");
    c.name = "time/s (date)";
    t.add("time/s", "s", "time/s (dates, seconds from the first row)", ColumnRole::Raw, std::move(seconds));
    break;
  }
  blank_quality_indicators_above_100kHz(t);
  add_biologic_common_columns(t);
  return t;
}
}  // namespace

Table read_biologic_mpt_text(std::string_view text, const std::string& name) { return read_biologic_text(text, name, false); }

Table read_biologic_csv_text(std::string_view text, const std::string& name) { return read_biologic_text(text, name, true); }

Table read_biologic_csv(const std::filesystem::path& path) {
  const auto bytes = read_file_bytes(path, "BioLogic CSV");
  return read_biologic_csv_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
}

Table read_biologic_mpt(const std::filesystem::path& path) {
  const auto bytes = read_file_bytes(path, std::string(kFormat));
  return read_biologic_mpt_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
}

}  // namespace castor::io
