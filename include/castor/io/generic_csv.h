// Delimited text files that are not a vendor's own export: CSVs written by other tools
// (battery-data-format, datalab, converted Landt data, spreadsheets). castor finds the
// column line after any preamble, detects delimiter and decimal separator, keeps every
// column under its own name and fills the common columns from the names (or from a
// user-given mapping, see column_names.h).
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "castor/core/table.h"
#include "castor/io/column_names.h"

namespace castor::io {

struct CsvOptions {
  ColumnMapping mapping;
  std::optional<char> delimiter;          // detected when absent
  std::optional<std::size_t> names_line;  // 1-based line of the column names; found when absent
};

// Any delimited table: the column line is found after a preamble, delimiter and decimal
// separator are detected from the rows, common columns come from names and units (or
// options.map). Throws castor::Error naming the file and the line.
Table read_generic_csv(const std::filesystem::path& path, const CsvOptions& options = {});
Table read_generic_csv_text(std::string_view text, const std::string& name, const CsvOptions& options = {},
                            std::string_view format = "csv");

// The 0-based index of the column-name line among `lines`: the first line with at least
// two names, most of them not numbers, followed by a line with at least one number.
// Returns nullopt when there is none in the first `max_lines`.
std::optional<std::size_t> find_names_line(std::span<const std::string_view> lines, std::size_t max_lines = 100);

// Parses `lines[names_line]` as column names (delimiter `delim`) and the lines after it
// as rows into `table` (raw columns). Trailing empty names are dropped; a leading empty
// name (a row index written by pandas) becomes "index".
void parse_named_rows(std::span<const std::string_view> lines, std::size_t names_line, char delim, Table& table);

}  // namespace castor::io
