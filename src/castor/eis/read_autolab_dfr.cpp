#include <cmath>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/detail/impedance_formats.h"
#include "castor/io/detect.h"
#include "castor/io/detail/text.h"

namespace castor::eis {
namespace {
constexpr const char* kFormat = "Autolab dfr";
}  // namespace

int sniff_dfr(const io::FileHead& head) {
  const std::string_view bytes = head.bytes;
  const auto lines = io::split_lines(bytes.substr(0, std::min<std::size_t>(bytes.size(), 256)));
  if (lines.size() < 3) return 0;
  const auto l0 = io::to_lower(io::trim(lines[0]));
  if (!l0.starts_with("version") || l0.size() < 8) return 0;
  const auto n = io::whole_number(io::parse_double_strict(io::trim(lines[1]), '.'));
  return n && *n >= 0 ? 3 : 0;
}

std::vector<Spectrum> read_dfr(std::string_view bytes, const std::string& name) {
  // Non-empty lines only: each holds one value.
  std::vector<std::pair<std::string_view, std::size_t>> lines;  // text, line index
  const auto all = io::split_lines(bytes);
  for (std::size_t i = 0; i < all.size(); ++i)
    if (!io::trim(all[i]).empty()) lines.emplace_back(io::trim(all[i]), i);
  if (lines.size() < 3 || !io::to_lower(lines[0].first).starts_with("version"))
    throw Error(name, kFormat, "first line is not 'VERSIONx.y'");
  const std::string version(lines[0].first.substr(7));
  const auto n = io::whole_number(io::parse_double_strict(lines[1].first, '.'), 1e7);
  if (!n || *n < 1)
    throw Error(name, kFormat, fmt::format("point count '{}' is not a whole number", lines[1].first)).at_line(lines[1].second + 1);
  const auto points = static_cast<std::size_t>(*n);
  constexpr std::size_t kPerPoint = 9;  // f, Z', -Z'', E dc, I dc, time and three more
  const std::size_t have = (lines.size() - 3) / kPerPoint;
  if (have < points)
    throw Error(name, kFormat,
                fmt::format("declares {} points, holds {} (truncated file?); castor read VERSION{} files as 9 "
                            "values per point",
                            points, have, version));
  Spectrum s;
  s.source = name;
  for (std::size_t p = 0; p < points; ++p) {
    double v[3];
    for (std::size_t k = 0; k < 3; ++k) {
      const auto& [text, at] = lines[3 + p * kPerPoint + k];
      const auto x = io::parse_double_strict(text, '.');
      if (!x || !std::isfinite(*x))
        throw Error(name, kFormat, fmt::format("point {}: '{}' is not a finite number", p + 1, text)).at_line(at + 1);
      v[k] = *x;
    }
    s.freq_Hz.push_back(v[0]);
    s.z_ohm.emplace_back(v[1], -v[2]);
  }
  // Autolab writes a trailer after the points (flags, the measurement dates); castor does
  // not know its layout, so it is named, not dropped in silence.
  if (lines.size() > 3 + points * kPerPoint) {
    const std::size_t first = 3 + points * kPerPoint;
    s.warnings.push_back(fmt::format("not read: {} trailer lines after the {} declared points (from line {})", lines.size() - first, points,
                                     lines[first].second + 1));
  }
  return {s};
}

}  // namespace castor::eis
