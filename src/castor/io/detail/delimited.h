// Parsing the body of a delimited text export (tab, comma or semicolon separated) into
// raw table columns. A column whose every field parses as a number (or is a missing-value
// marker) becomes numeric; any other column is kept as text under its own name.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "castor/core/table.h"

namespace castor::io {

struct DelimitedOptions {
  char delimiter = '\t';
  char decimal = '.';
  // Fields read as NaN in numeric columns.
  std::vector<std::string> missing = {"", "XXX", "NaN", "nan", "NAN", "-"};
  // Leading columns to drop (e.g. an always-empty first column).
  std::size_t skip_leading_columns = 0;
  // Stop quietly at the first empty line instead of treating it as an error.
  bool stop_at_blank_line = true;
};

// Parses lines[first, end) as data rows under `names`. `first_line_number` is the 1-based
// line number of lines[first] in the file, for error messages. Columns are added to
// `table` with role Raw, unit taken from the text after the last '/' or in "(...)".
void parse_delimited_rows(std::span<const std::string_view> lines, std::size_t first, const std::vector<std::string>& names,
                          const DelimitedOptions& options, std::size_t first_line_number, Table& table);

// Guesses the decimal separator from sample data lines given the field delimiter.
char detect_decimal(std::span<const std::string_view> sample, char delimiter);
// Guesses the delimiter of a header line among tab, semicolon and comma.
char detect_delimiter(std::string_view header_line);
// The most columns a delimited table may have (instrument exports have well under 1000).
inline constexpr std::size_t kMaxColumns = 10000;
// Makes header names unique ("x", "x (2)") and trims them.
std::vector<std::string> unique_names(const std::vector<std::string_view>& raw);
// The unit in a column name: after the last '/' ("Ewe/V") or inside "(...)" ("Current(A)").
std::string unit_of(std::string_view name);

}  // namespace castor::io
