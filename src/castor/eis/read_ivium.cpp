#include <cmath>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/detail/impedance_formats.h"
#include "castor/io/detect.h"
#include "castor/io/detail/text.h"

namespace castor::eis {
namespace {

constexpr const char* kFormat = "Ivium idf/ids";

long whole_count(std::string_view field, const std::string& name, std::size_t line, std::string_view what) {
  const auto v = io::whole_number(io::parse_double_strict(io::trim(field), '.'), 1e8);
  if (!v || *v < 0) throw Error(name, kFormat, fmt::format("{} '{}' is not a whole number", what, io::trim(field))).at_line(line + 1);
  return *v;
}

}  // namespace

int sniff_ivium(const io::FileHead& head) {
  const std::string_view bytes = head.bytes;
  return bytes.find("\nprimary_data") != std::string_view::npos && bytes.find("\nMethod=") != std::string_view::npos ? 3 : 0;
}

std::vector<Spectrum> read_ivium(std::string_view bytes, const std::string& name) {
  const auto lines = io::split_lines(bytes);
  std::vector<Spectrum> out;
  std::string method, title;
  std::size_t other_blocks = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto line = io::trim(lines[i]);
    if (line.starts_with("Method=")) method = std::string(line.substr(7));
    if (line.starts_with("Title=")) title = io::to_utf8(line.substr(6));
    if (line != "primary_data") continue;
    if (i + 2 >= lines.size()) throw Error(name, kFormat, "primary_data block ends before its counts").at_line(i + 1);
    const long columns = whole_count(lines[i + 1], name, i + 1, "column count");
    const long points = whole_count(lines[i + 2], name, i + 2, "point count");
    if (method != "Impedance") {
      ++other_blocks;
      i += 2;
      continue;
    }
    if (columns != 3)
      throw Error(name, kFormat, fmt::format("impedance block has {} columns; castor reads Z', Z'', f (3)", columns)).at_line(i + 2);
    if (static_cast<std::size_t>(points) > lines.size() - (i + 3))
      throw Error(
          name, kFormat,
          fmt::format("block declares {} points but the file ends {} lines later (truncated file?)", points, lines.size() - (i + 3)))
          .at_line(i + 3);
    Spectrum s;
    s.source = fmt::format("{} #{}{}", name, out.size() + 1, title.empty() ? "" : " (" + title + ")");
    std::vector<std::string_view> f;
    for (long k = 0; k < points; ++k) {
      const std::size_t at = i + 3 + static_cast<std::size_t>(k);
      io::split_fields(lines[at], ' ', f);
      std::optional<double> re, im, fr;
      if (f.size() == 3)
        re = io::parse_double_strict(f[0], '.'), im = io::parse_double_strict(f[1], '.'), fr = io::parse_double_strict(f[2], '.');
      if (!re || !im || !fr)
        throw Error(name, kFormat, fmt::format("point {} of {}: expected Z', Z'', f, found '{}'", k + 1, points, io::trim(lines[at])))
            .at_line(at + 1);
      if (!std::isfinite(*re) || !std::isfinite(*im) || !std::isfinite(*fr))
        throw Error(name, kFormat, fmt::format("NaN or infinity in '{}'", io::trim(lines[at]))).at_line(at + 1);
      s.freq_Hz.push_back(*fr);
      s.z_ohm.emplace_back(*re, *im);
    }
    i += 2 + static_cast<std::size_t>(points);
    if (!s.freq_Hz.empty()) out.push_back(std::move(s));
  }
  if (out.empty())
    throw Error(name, kFormat,
                other_blocks ? fmt::format("no impedance data: {} data block(s), none from Method=Impedance (last "
                                           "method '{}')",
                                           other_blocks, method)
                             : std::string("no primary_data block"));
  return out;
}

}  // namespace castor::eis
