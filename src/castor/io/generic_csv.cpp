#include "castor/io/generic_csv.h"

#include <algorithm>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/io/detail/delimited.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::io {

std::optional<std::size_t> find_names_line(std::span<const std::string_view> lines, std::size_t max_lines) {
  std::vector<std::string_view> fields;
  const std::size_t n = std::min(lines.size(), max_lines);
  for (std::size_t i = 0; i < n; ++i) {
    const char delim = detect_delimiter(lines[i]);
    split(lines[i], delim, fields);
    std::size_t names = 0, numbers = 0;
    for (auto f : fields) {
      if (trim(f).empty()) continue;
      if (parse_double(f))
        ++numbers;
      else
        ++names;
    }
    if (names < 2 || numbers * 4 > names) continue;
    // The next non-empty line must hold numbers in the same layout.
    std::size_t j = i + 1;
    while (j < lines.size() && trim(lines[j]).empty()) ++j;
    if (j == lines.size()) return i;  // names and no rows: an empty table
    std::vector<std::string_view> next;
    split(lines[j], delim, next);
    std::size_t next_numbers = 0;
    for (auto f : next)
      if (parse_double(f) || parse_double(f, ',')) ++next_numbers;
    if (next_numbers > 0 && next.size() + 1 >= names) return i;
  }
  return std::nullopt;
}

void parse_named_rows(std::span<const std::string_view> lines, std::size_t names_line, char delim, Table& table) {
  auto raw = split(lines[names_line], delim);
  while (!raw.empty() && trim(raw.back()).empty()) raw.pop_back();
  std::vector<std::string_view> cleaned;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    auto f = trim(raw[k]);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    cleaned.push_back(k == 0 && f.empty() ? std::string_view("index") : f);
  }
  const auto names = unique_names(cleaned);
  const std::size_t data0 = names_line + 1;
  DelimitedOptions opt;
  opt.delimiter = delim;
  opt.decimal = detect_decimal(lines.subspan(std::min(data0, lines.size())), delim);
  if (opt.decimal == ',') table.meta.extra["decimal_separator"] = ",";
  parse_delimited_rows(lines, data0, names, opt, data0 + 1, table);
}

Table read_generic_csv_text(std::string_view text, const std::string& name, const CsvOptions& options, std::string_view format) {
  Table t;
  t.meta.source_file = name;
  t.meta.format = std::string(format);
  const auto lines = split_lines(text);
  if (lines.empty()) throw Error(name, t.meta.format, "empty file");
  std::size_t names_line = 0;
  if (options.names_line) {
    if (*options.names_line < 1 || *options.names_line > lines.size())
      throw Error(name, t.meta.format,
                  fmt::format("column names on line {} requested, the file has {} lines", *options.names_line, lines.size()));
    names_line = *options.names_line - 1;
  } else if (auto found = find_names_line(lines)) {
    names_line = *found;
  } else {
    throw Error(name, t.meta.format,
                "no line of column names followed by numeric rows in the first 100 lines (is "
                "this a data table? the column line can be given with --names-line)");
  }
  const char delim = options.delimiter ? *options.delimiter : detect_delimiter(lines[names_line]);
  // The preamble: "key: value" lines go to the metadata.
  for (std::size_t i = 0; i < names_line; ++i) {
    std::string line = to_utf8(trim(lines[i]));
    while (!line.empty() && (line.back() == delim || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos && colon > 0)
      t.meta.extra[std::string(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
    else
      t.meta.extra[fmt::format("preamble line {}", i + 1)] = line;
  }
  parse_named_rows(lines, names_line, delim, t);
  add_common_columns_by_name(t, options.mapping);
  return t;
}

Table read_generic_csv(const std::filesystem::path& path, const CsvOptions& options) {
  const auto bytes = read_file_bytes(path, "CSV");
  return read_generic_csv_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string(), options);
}

}  // namespace castor::io
