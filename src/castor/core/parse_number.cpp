#include "castor/core/parse_number.h"

#include <charconv>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor {

double parse_number(std::string_view text, std::string_view what) {
  std::string_view t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v))
    throw Error(fmt::format("{}: '{}' is not a finite number", what, text));
  return v;
}

long long parse_integer(std::string_view text, std::string_view what, long long lo, long long hi) {
  std::string_view t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  long long v = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec == std::errc::invalid_argument || ptr != t.data() + t.size())
    throw Error(fmt::format("{}: '{}' is not a whole number", what, text));
  if (ec == std::errc::result_out_of_range || v < lo || v > hi) throw Error(fmt::format("{}: {} is outside {} to {}", what, text, lo, hi));
  return v;
}

std::vector<double> parse_number_list(std::string_view text, std::string_view what) {
  std::vector<double> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(parse_number(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start), what));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace castor
