// Results as data: what an analysis found, as named values with units, tables and
// warnings, in one form that every writer consumes (text for the terminal, CSV, JSON) and
// that the Python module hands to pandas. Each analysis has a to_report(result) beside it
// (gitt::to_report, cv::to_report, ...); the CLI only chooses the writer.
#pragma once

#include <iosfwd>
#include <limits>
#include <string>
#include <vector>

namespace castor::report {

// One number with its unit (and its standard error, NaN when it has none).
struct Quantity {
  std::string name;   // "mean_D_discharge" (a key: JSON field, Python attribute)
  std::string label;  // "discharge SOC 20-60 %: mean D" (what the text prints)
  double value = 0;
  std::string unit;  // "cm2/s"; empty for counts and ratios
  std::string note;  // what qualifies it ("over 5 pulses, 0 valid")
  double std_error = std::numeric_limits<double>::quiet_NaN();
  bool in_text = true;  // false: the summary line already says it (CSV and JSON carry it)
};

// A table column: numbers or texts (one of the two has the table's row count).
struct ReportColumn {
  std::string name;     // "D" (a key)
  std::string unit;     // "cm2/s"
  std::string heading;  // the text writer's heading ("D cm2/s"); empty: name and unit
  std::vector<double> numbers;
  std::vector<std::string> texts;
  std::string text_format = "{:.6g}";  // how the text writer prints a number (fmt syntax)
  double text_scale = 1;               // the text writer prints value x scale (1e3 for mA of A)
  bool in_text = true;                 // false: in CSV and JSON only (the terminal's table stays narrow)
  bool is_text() const { return !texts.empty() || numbers.empty(); }
  std::size_t size() const { return is_text() ? texts.size() : numbers.size(); }
};

struct ReportTable {
  std::string name;     // "pulses" (a key: unique within a report)
  std::string caption;  // the text writer's line above the table (empty: none)
  bool in_text = true;  // false: in CSV and JSON only (a long form of tables shown otherwise)
  std::vector<ReportColumn> columns;
  std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  // Adds a column; throws castor::Error (an internal error) when its length differs.
  ReportColumn& add_numbers(std::string name, std::string unit, std::vector<double> values, std::string text_format = "{:.6g}",
                            std::string heading = "", double text_scale = 1);
  ReportColumn& add_texts(std::string name, std::vector<std::string> values, std::string heading = "");
};

struct Report {
  std::string analysis;            // "gitt", "cv"
  std::string source;              // the file (or files) analysed
  std::string summary;             // one line: what was found and under which assumptions
  std::vector<std::string> notes;  // lines printed after the tables (assumptions, methods)
  std::vector<Quantity> values;
  std::vector<ReportTable> tables;
  std::vector<std::string> warnings;  // what castor cannot stand behind in these numbers
};

// A column's heading as the text writer prints it ("D cm2/s"), and one cell as it prints it
// (the column's text format and scale; NaN as "-").
std::string column_heading(const ReportColumn& column);
std::string cell_text(const ReportColumn& column, std::size_t row);

// The text a terminal shows: the summary, each table with aligned headings, the values
// ("label = value unit (note)"), the notes, then "WARNING: ..." lines.
void write_text(const Report& report, std::ostream& out);
// One table as CSV: a header "name_unit" per column ("D_cm2_s": a / in the unit becomes _),
// numbers at full precision, empty fields for NaN.
void write_csv(const ReportTable& table, std::ostream& out);
// The whole report as JSON, with castor's version and command line (core/provenance.h).
void write_json(const Report& report, std::ostream& out);
// Writes by the extension of `path`: .json the report, .csv its first table (or the one
// named `table`); throws castor::Error naming the path when it cannot be written or the
// extension is neither.
void write_file(const Report& report, const std::string& path, const std::string& table = "");

}  // namespace castor::report
