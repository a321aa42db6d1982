// Small text tools shared by the text-format readers: line splitting, latin-1 to UTF-8,
// locale-independent number parsing (decimal point or decimal comma), dates.
#pragma once

#include "castor/core/table.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace castor::io {

bool is_valid_utf8(std::string_view s);
// Returns s unchanged if it is valid UTF-8, else reads it as windows-1252/latin-1.
std::string to_utf8(std::string_view s);

std::string_view trim(std::string_view s);
// Splits on one delimiter character; keeps empty fields.
void split(std::string_view line, char delim, std::vector<std::string_view>& out);
std::vector<std::string_view> split(std::string_view line, char delim);
// Splits on runs of spaces and tabs; no empty fields.
std::vector<std::string_view> split_whitespace(std::string_view line);
// Splits text into lines, accepting \n, \r\n and \r; a trailing empty line is dropped.
std::vector<std::string_view> split_lines(std::string_view text);

bool starts_with_ci(std::string_view s, std::string_view prefix);
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);

// Parses a whole field as a double. decimal is '.' or ','. Accepts surrounding spaces,
// "nan", "inf". Returns nullopt for anything else (empty fields too).
std::optional<double> parse_double(std::string_view field, char decimal = '.');

// How the numbers of a text table are written: the field delimiter ('\t', ';', ',' or ' ' for
// runs of blanks) and the decimal separator ('.' or ',').
struct NumberLayout {
  char delimiter = '\t';
  char decimal = '.';
};

// Splits a line by a NumberLayout delimiter (' ' = runs of spaces and tabs, no empty fields;
// any other delimiter keeps empty fields).
void split_fields(std::string_view line, char delimiter, std::vector<std::string_view>& out);

// A number written with exactly this decimal separator: with decimal ',' a field holding a
// '.' is not a number, and with '.' a field holding a ',' is not either.
std::optional<double> parse_double_strict(std::string_view field, char decimal);

// Finds the delimiter and decimal separator under which the sample lines read as rows of
// numbers (each line scores its numeric fields, less twice its non-numeric ones). A line like
// "109,00918\t-5,2" is then tab-delimited with a decimal comma, never split at the comma.
// Returns nullopt when no candidate gives at least `min_fields` numbers on the lines.
std::optional<NumberLayout> detect_number_layout(std::span<const std::string_view> lines, std::size_t min_fields = 2);

// A whole number from a file, as long as it is one and |v| <= max (no undefined cast of
// 1e37 to an integer).
inline std::optional<long> whole_number(std::optional<double> v, double max = 1e12) {
  if (!v || !(*v >= -max && *v <= max) || *v != static_cast<double>(static_cast<long>(*v))) return std::nullopt;
  return static_cast<long>(*v);
}

// Parses "hh:mm:ss(.fff)", "d hh:mm:ss", "Nd hh:mm:ss.ffff" durations into seconds.
std::optional<double> parse_duration_s(std::string_view field);

// Calendar date-time to seconds since 1970-01-01 in the same (unstated) time zone.
// Accepts "YYYY-MM-DD hh:mm:ss(.f)", "YYYY/MM/DD ...", "MM/DD/YYYY hh:mm:ss(.f)",
// "DD.MM.YYYY hh:mm:ss" and an ISO 'T'.
std::optional<double> parse_datetime_s(std::string_view field);
// A calendar date-time (year, month 1-12, day 1-31, hour 0-24, minute, second) as seconds
// since 1970-01-01 in the same time zone; nullopt for fields out of range.
std::optional<double> civil_datetime_s(long long year, int month, int day, int hour, int minute, double second);
// Seconds since 1970 -> "YYYY-MM-DDThh:mm:ss(.ffffff)"; "" for a non-finite value or one
// outside the years 1-9999.
std::string format_datetime(double seconds_since_epoch);
// A date castor will print as an experiment's start: 1990-01-01 to 2100-01-01.
inline bool plausible_date(double unix_s) {
  return unix_s >= 631152000.0 && unix_s < 4102444800.0;  // false for NaN
}
// Sets meta.start_time from a date read in the file, or, for an implausible one, leaves it
// empty and says so in meta.warnings (`what` names where the date came from).
void set_start_time(Metadata& meta, double unix_s, std::string_view what);
// Days since 1899-12-30 (OLE / Excel serial date) -> seconds since 1970.
inline double ole_days_to_unix_s(double days) { return (days - 25569.0) * 86400.0; }

}  // namespace castor::io
