// The common table: what every reader returns and every analysis reads.
//
// Columns are stored column-major as doubles (numeric) or strings (text). A column has
// a name, a unit and the name it had in the source file. Columns named in
// castor/core/columns.h are the common ones; the source's own columns are kept beside
// them under their original names (role Raw) so nothing a file holds is lost.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "castor/core/column_values.h"

namespace castor {

enum class ColumnRole { Common, Raw };

struct Column {
  std::string name;         // e.g. "voltage_V" or, for raw columns, "Ewe/V"
  std::string unit;         // e.g. "V"; empty for counts and indices
  std::string source_name;  // the name in the file this column came from
  ColumnRole role = ColumnRole::Raw;
  // Shared with another column holding the same numbers (see column_values.h), copied on write.
  ColumnValues values;
};

struct TextColumn {
  std::string name;
  std::string source_name;
  std::vector<std::string> values;
};

// What one row of a table is: a sample in time (every reader but one), or the totals of one
// half cycle as some instruments store them (Gamry CAPACITYCURVE).
enum class TableLayout { time_series, half_cycles };

struct Metadata {
  TableLayout layout = TableLayout::time_series;
  std::string source_file;
  std::string format;            // e.g. "biologic-mpr"
  std::string instrument;        // e.g. "BioLogic MPG-2", "Neware BTS"
  std::string software_version;  // e.g. "EC-Lab 11.50"
  std::string technique;         // e.g. "Galvanostatic Cycling with Potential Limitation"
  std::string start_time;        // ISO 8601 local time as written by the instrument
  std::optional<double> active_mass_g;
  std::optional<double> electrode_area_cm2;
  std::map<std::string, std::string> extra;  // everything else the header holds
  // What castor cannot stand behind in this file (a truncation, a broken record sequence, a
  // placeholder mass, an undecodable date): printed by `castor info`, written to JSON,
  // turned into errors by --strict.
  std::vector<std::string> warnings;
  // Parts of the file castor saw but did not read (tables, modules, record types, columns
  // it could not place), so that nothing disappears silently.
  std::vector<std::string> not_read;
};

class Table {
 public:
  std::size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }

  // Adds a numeric column; its length must equal rows() unless the table has no
  // columns yet (then it sets rows()). Replaces a column of the same name. Values passed
  // as another column's `values` share its storage (no copy until one of them is written).
  Column& add(Column column);
  Column& add(std::string_view name, std::string_view unit, std::string_view source, ColumnRole role, ColumnValues values);
  TextColumn& add_text(TextColumn column);

  bool has(std::string_view name) const { return find(name) != nullptr; }
  const Column* find(std::string_view name) const;
  Column* find(std::string_view name);
  const TextColumn* find_text(std::string_view name) const;
  // Throws castor::Error naming the column and the source file when absent.
  const std::vector<double>& values(std::string_view name) const;

  const std::vector<Column>& columns() const { return columns_; }
  std::vector<Column>& columns() { return columns_; }
  const std::vector<TextColumn>& text_columns() const { return text_columns_; }
  std::vector<TextColumn>& text_columns() { return text_columns_; }

  // Rows [begin, end) of every column.
  Table slice(std::size_t begin, std::size_t end) const;
  // Appends the rows of another table with the same column names (missing -> NaN).
  void append_rows(const Table& other);

  Metadata meta;

 private:
  void check_length(std::size_t n, std::string_view name);
  std::size_t rows_ = 0;
  bool sized_ = false;
  std::vector<Column> columns_;
  std::vector<TextColumn> text_columns_;
};

// Summary of a table, as printed by `castor info`.
struct TableSummary {
  std::size_t rows = 0;
  std::size_t columns = 0;
  std::optional<double> time_start_s, time_end_s;
  std::optional<std::size_t> n_cycles, n_steps;
  std::optional<double> voltage_min_V, voltage_max_V;
  std::optional<double> current_min_A, current_max_A;
};
// Rows, columns, cycles, steps and the ranges of time (s), voltage (V) and current (A).
TableSummary summarize(const Table& table);

}  // namespace castor
