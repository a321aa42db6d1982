#include "castor/io/detail/delimited.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/io/detail/text.h"

namespace castor::io {

std::string unit_of(std::string_view name) {
  if (auto open = name.rfind('('); open != std::string_view::npos) {
    auto close = name.find(')', open);
    if (close != std::string_view::npos && close == name.size() - 1) return std::string(name.substr(open + 1, close - open - 1));
  }
  if (auto slash = name.rfind('/'); slash != std::string_view::npos && slash + 1 < name.size())
    return std::string(trim(name.substr(slash + 1)));
  return {};
}

std::vector<std::string> unique_names(const std::vector<std::string_view>& raw) {
  // Linear in the number of names: a header of 100,000 fields (a file whose newlines were
  // lost) must not take quadratic time.
  if (raw.size() > kMaxColumns)
    throw Error(
        fmt::format("a header line of {} fields; castor reads tables of at most {} columns (a file whose "
                    "line breaks were lost?)",
                    raw.size(), kMaxColumns));
  std::vector<std::string> out;
  out.reserve(raw.size());
  std::unordered_set<std::string> taken;
  std::unordered_map<std::string, int> next_suffix;
  for (auto r : raw) {
    std::string name = to_utf8(trim(r));
    if (name.empty()) name = fmt::format("column_{}", out.size() + 1);
    std::string candidate = name;
    if (taken.count(candidate)) {
      int& k = next_suffix.try_emplace(name, 2).first->second;
      do candidate = fmt::format("{} ({})", name, k++);
      while (taken.count(candidate));
    }
    taken.insert(candidate);
    out.push_back(std::move(candidate));
  }
  return out;
}

char detect_delimiter(std::string_view header) {
  const auto tabs = std::count(header.begin(), header.end(), '\t');
  const auto semis = std::count(header.begin(), header.end(), ';');
  const auto commas = std::count(header.begin(), header.end(), ',');
  if (tabs >= semis && tabs >= commas && tabs > 0) return '\t';
  if (semis >= commas && semis > 0) return ';';
  return ',';
}

char detect_decimal(std::span<const std::string_view> sample, char delimiter) {
  if (delimiter == ',') return '.';
  std::vector<std::string_view> fields;
  int comma_numbers = 0, dot_numbers = 0;
  // Up to 256 lines spread over the whole sample: leading rows of integers (a rest at 0 A,
  // counters) say nothing about the separator.
  const std::size_t stride = std::max<std::size_t>(1, sample.size() / 256);
  for (std::size_t li = 0; li < sample.size(); li += stride) {
    const auto line = sample[li];
    split(line, delimiter, fields);
    for (auto f : fields) {
      f = trim(f);
      if (f.empty()) continue;
      const bool has_comma = f.find(',') != std::string_view::npos;
      const bool has_dot = f.find('.') != std::string_view::npos;
      if (has_comma && !has_dot && parse_double(f, ','))
        ++comma_numbers;
      else if (has_dot && parse_double(f, '.'))
        ++dot_numbers;
    }
  }
  return comma_numbers > dot_numbers ? ',' : '.';
}

void parse_delimited_rows(std::span<const std::string_view> lines, std::size_t first, const std::vector<std::string>& names,
                          const DelimitedOptions& opt, std::size_t first_line_number, Table& table) {
  const std::size_t ncol = names.size();
  // Rows end at the first blank line (if allowed) or the end of the text.
  std::size_t last = lines.size();
  for (std::size_t i = first; i < lines.size(); ++i) {
    if (trim(lines[i]).empty()) {
      if (!opt.stop_at_blank_line) continue;
      last = i;
      break;
    }
  }
  std::vector<std::size_t> row_lines;
  row_lines.reserve(last - first);
  for (std::size_t i = first; i < last; ++i)
    if (!trim(lines[i]).empty()) row_lines.push_back(i);

  const std::size_t nrow = row_lines.size();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> numeric(ncol, std::vector<double>(nrow, kNaN));
  std::vector<bool> is_text(ncol, false);
  std::vector<std::vector<std::string>> text(ncol);
  auto is_missing = [&](std::string_view f) {
    f = trim(f);
    return std::find(opt.missing.begin(), opt.missing.end(), f) != opt.missing.end();
  };

  std::vector<std::string_view> fields;
  for (std::size_t r = 0; r < nrow; ++r) {
    const std::size_t li = row_lines[r];
    split(lines[li], opt.delimiter, fields);
    std::size_t nf = fields.size();
    if (nf < opt.skip_leading_columns) nf = 0;
    const std::size_t have = nf - std::min(nf, opt.skip_leading_columns);
    // Extra empty trailing fields (a trailing delimiter) are harmless.
    std::size_t used = have;
    while (used > ncol && trim(fields[opt.skip_leading_columns + used - 1]).empty()) --used;
    if (used != ncol) {
      const bool last_line = r + 1 == nrow;
      throw Error(
          table.meta.source_file, table.meta.format,
          fmt::format("row has {} fields, the header names {} columns{}", used, ncol, last_line ? " (the file looks truncated)" : ""))
          .at_line(first_line_number + (li - first));
    }
    for (std::size_t c = 0; c < ncol; ++c) {
      const std::string_view f = fields[opt.skip_leading_columns + c];
      if (!is_text[c]) {
        if (auto v = parse_double(f, opt.decimal)) {
          numeric[c][r] = *v;
          continue;
        }
        if (is_missing(f)) continue;
        const char other = opt.decimal == '.' ? ',' : '.';
        if (opt.delimiter != other && parse_double_strict(trim(f), other) && !parse_double(f, opt.decimal))
          throw Error(table.meta.source_file, table.meta.format,
                      fmt::format("column '{}' holds '{}', written with a decimal '{}', where the "
                                  "file's other rows use '{}'",
                                  names[c], trim(f), other, opt.decimal))
              .at_line(first_line_number + (li - first));
        // First non-number: this column is text. Back-fill its earlier rows.
        is_text[c] = true;
        text[c].reserve(nrow);
        std::vector<std::string_view> prev;
        for (std::size_t q = 0; q < r; ++q) {
          split(lines[row_lines[q]], opt.delimiter, prev);
          text[c].emplace_back(trim(prev[opt.skip_leading_columns + c]));
        }
      }
      text[c].emplace_back(trim(f));
    }
  }
  for (std::size_t c = 0; c < ncol; ++c) {
    if (is_text[c]) {
      table.add_text(TextColumn{names[c], names[c], std::move(text[c])});
    } else {
      table.add(names[c], unit_of(names[c]), names[c], ColumnRole::Raw, std::move(numeric[c]));
    }
  }
}

}  // namespace castor::io
