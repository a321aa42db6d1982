#include <cmath>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/detail/impedance_formats.h"
#include "castor/io/detect.h"
#include "castor/io/detail/text.h"

namespace castor::eis {

int sniff_i2b(const io::FileHead& head) { return head.extension == ".i2b" ? 1 : 0; }

std::vector<Spectrum> read_i2b(std::string_view bytes, const std::string& name) {
  constexpr const char* kI2b = "Elchemea i2b";
  const auto lines = io::split_lines(bytes);
  // The point count is the first line holding one whole number and nothing else that is
  // followed by a row of three numbers.
  auto three = [&](std::string_view l) {
    std::vector<std::string_view> f;
    io::split_fields(io::trim(l), ' ', f);
    std::vector<double> v;
    for (auto x : f) {
      if (io::trim(x).empty()) continue;
      const auto d = io::parse_double_strict(io::trim(x), '.');
      if (!d) return std::vector<double>{};
      v.push_back(*d);
    }
    return v.size() == 3 ? v : std::vector<double>{};
  };
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    const auto l = io::trim(lines[i]);
    const auto n = io::whole_number(io::parse_double_strict(l, '.'), 1e8);
    if (!n || *n < 1 || three(lines[i + 1]).empty()) continue;
    const auto points = static_cast<std::size_t>(*n);
    Spectrum s;
    s.source = name;
    std::size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      if (io::trim(lines[j]).empty()) continue;
      const auto v = three(lines[j]);
      if (v.empty()) throw Error(name, kI2b, fmt::format("expected f, Z', Z'', found '{}'", io::trim(lines[j]))).at_line(j + 1);
      if (!std::isfinite(v[0]) || !std::isfinite(v[1]) || !std::isfinite(v[2]))
        throw Error(name, kI2b, fmt::format("NaN or infinity in '{}'", io::trim(lines[j]))).at_line(j + 1);
      s.freq_Hz.push_back(v[0]);
      s.z_ohm.emplace_back(v[1], v[2]);
    }
    if (s.size() != points)
      throw Error(
          name, kI2b,
          fmt::format("declares {} points (line {}), holds {}{}", points, i + 1, s.size(), s.size() < points ? " (truncated file?)" : ""));
    return {s};
  }
  throw Error(name, kI2b, "no point count followed by f, Z', Z'' rows");
}

}  // namespace castor::eis
