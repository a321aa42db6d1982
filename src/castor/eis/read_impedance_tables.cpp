// The impedance exports that are tables of numbers under some header: Gamry .DTA ZCURVE,
// Scribner ZPlot, VersaStudio .par, CH Instruments, any table whose header names the
// frequency and impedance columns (Z60W/Autolab, Parstat, PowerSuite, EC-Lab .P00, CSV), and
// plain f, Z', Z'' numbers. Each has a sniffer and a reader; the format registry
// (io/detect.cpp) lists them.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/detail/impedance_formats.h"
#include "castor/io/detect.h"
#include "castor/io/detail/text.h"

namespace castor::eis {
namespace {

using io::parse_double;
using io::trim;

// The names of a header line, split on tabs, else commas, else runs of spaces.
std::vector<std::string_view> fields_of(std::string_view line) {
  if (line.find('\t') != std::string_view::npos) return io::split(line, '\t');
  if (line.find(';') != std::string_view::npos) return io::split(line, ';');
  if (line.find(',') != std::string_view::npos) return io::split(line, ',');
  std::vector<std::string_view> out;
  for (auto f : io::split(line, ' '))
    if (!f.empty()) out.push_back(f);
  return out;
}

std::vector<std::string_view> numeric_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ',' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != ',' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

struct Columns {
  int f = -1, re = -1, im = -1;
  bool im_negated = false;  // the file stores -Z''
};

std::string norm(std::string_view s) {
  std::string o;
  for (char c : s)
    if (c != ' ' && c != '"' && c != '_') o.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return o;
}

Columns find_columns(const std::vector<std::string_view>& names) {
  Columns c;
  for (std::size_t k = 0; k < names.size(); ++k) {
    const std::string n = norm(names[k]);
    const int i = static_cast<int>(k);
    if (c.f < 0 && (n.starts_with("freq") || n.starts_with("f/hz") || n == "f(hz)" || n == "f"))
      c.f = i;
    else if (c.re < 0 && (n.starts_with("zre") || n.starts_with("zreal") || n.starts_with("re(z)") || n == "z'" || n.starts_with("z'(") ||
                          n.starts_with("z'/") || n.starts_with("zreal")))
      c.re = i;
    else if (c.im < 0 && (n.starts_with("-im(z)") || n.starts_with("-z''") || n.starts_with("-zim")))
      c.im = i, c.im_negated = true;
    else if (c.im < 0 && (n.starts_with("zim") || n.starts_with("im(z)") || n.starts_with("z''") || n.starts_with("z\"")))
      c.im = i;
  }
  return c;
}

// The rows of a numeric table from lines[first] on. The delimiter and decimal separator are
// detected from the rows themselves (a Gamry export with decimal commas stays one number per
// field). Every row must have as many fields as the first; a line whose first field is not a
// number ends the table (Gamry writes further tables after ZCURVE).
Spectrum rows_to_spectrum(std::span<const std::string_view> lines, std::size_t first, const Columns& c, const std::string& name,
                          const std::string& format, bool skip_zero_freq) {
  Spectrum s;
  s.source = name;
  const int need = std::max({c.f, c.re, c.im});
  std::vector<std::string_view> sample;
  for (std::size_t i = first; i < lines.size() && sample.size() < 64; ++i)
    if (!trim(lines[i]).empty()) sample.push_back(lines[i]);
  const auto layout = io::detect_number_layout(sample, static_cast<std::size_t>(need) + 1);
  if (!layout) throw Error(name, format, fmt::format("no rows of at least {} numbers after the header", need + 1)).at_line(first + 1);
  std::vector<std::string_view> f;
  std::size_t width = 0;
  for (std::size_t i = first; i < lines.size(); ++i) {
    const auto line = trim(lines[i]);
    if (line.empty()) continue;
    if (line.find("EXPERIMENTABORTED") != std::string_view::npos || line.starts_with("</")) break;
    io::split_fields(line, layout->delimiter, f);
    while (!f.empty() && trim(f.back()).empty()) f.pop_back();
    if (f.empty() || !io::parse_double_strict(trim(f[0]), layout->decimal)) {
      if (!s.freq_Hz.empty()) break;
      throw Error(name, format, fmt::format("not a number in '{}'", line)).at_line(i + 1);
    }
    if (width == 0) width = f.size();
    if (f.size() != width || static_cast<int>(f.size()) <= need)
      throw Error(name, format,
                  fmt::format("row has {} fields, the table's rows have {}{}", f.size(), std::max<std::size_t>(width, need + 1),
                              i + 1 == lines.size() ? " (the file looks truncated)" : ""))
          .at_line(i + 1);
    const auto fr = io::parse_double_strict(trim(f[static_cast<std::size_t>(c.f)]), layout->decimal);
    const auto re = io::parse_double_strict(trim(f[static_cast<std::size_t>(c.re)]), layout->decimal);
    const auto im = io::parse_double_strict(trim(f[static_cast<std::size_t>(c.im)]), layout->decimal);
    if (!fr || !re || !im) throw Error(name, format, fmt::format("not a number in '{}'", line)).at_line(i + 1);
    if (!std::isfinite(*fr) || !std::isfinite(*re) || !std::isfinite(*im))
      throw Error(name, format, fmt::format("NaN or infinity in '{}'", line)).at_line(i + 1);
    if (skip_zero_freq && *fr == 0) continue;
    s.freq_Hz.push_back(*fr);
    s.z_ohm.emplace_back(*re, c.im_negated ? -*im : *im);
  }
  if (s.freq_Hz.empty()) throw Error(name, format, "no impedance rows");
  return s;
}

std::string_view first_line_of(const std::vector<std::string_view>& lines) {
  if (lines.empty()) return {};
  auto l = trim(lines[0]);
  if (l.starts_with("\xef\xbb\xbf")) l.remove_prefix(3);
  return l;
}

// Whether a line of the text starts with the word.
bool has_line_starting(std::string_view text, std::string_view word) {
  if (text.starts_with(word)) return true;
  for (std::size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1))
    if (text[at - 1] == '\n') return true;
  return false;
}

// The named-column header among the first 200 lines: its line index and columns.
struct NamedHeader {
  std::size_t line = 0;
  Columns columns;
  bool parstat = false;
};
std::optional<NamedHeader> named_header(const std::vector<std::string_view>& lines) {
  for (std::size_t i = 0; i < std::min<std::size_t>(lines.size(), 200); ++i) {
    const auto l = lines[i];
    Columns c;
    if (l.find("Z'(a)") != std::string_view::npos && l.find("Freq") != std::string_view::npos) {
      // ZPlot-style "Freq (Hz) Ampl Bias Time(Sec) Z'(a) Z''(b)" header (ZPlot, Autolab Z60W).
      c = Columns{0, 4, 5, false};
    } else {
      c = find_columns(fields_of(l));
      if (c.f < 0 || c.re < 0 || c.im < 0) continue;
    }
    return NamedHeader{i, c, l.find("Potential (V)") != std::string_view::npos};
  }
  return std::nullopt;
}

std::vector<std::string_view> lines_of(std::string_view bytes, std::size_t max_bytes) {
  return io::split_lines(bytes.substr(0, std::min(bytes.size(), max_bytes)));
}

}  // namespace

int sniff_gamry_zcurve(const io::FileHead& h) { return has_line_starting(h.bytes, "ZCURVE") ? 3 : 0; }
std::vector<Spectrum> read_gamry_zcurve(std::string_view bytes, const std::string& name) {
  const auto lines = io::split_lines(bytes);
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].starts_with("ZCURVE")) {
      if (i + 2 >= lines.size()) throw Error(name, "Gamry DTA", "ZCURVE table without rows").at_line(i + 1);
      const auto c = find_columns(numeric_fields(lines[i + 1]));
      if (c.f < 0 || c.re < 0 || c.im < 0) throw Error(name, "Gamry DTA", "ZCURVE lacks Freq, Zreal or Zimag").at_line(i + 2);
      return {rows_to_spectrum(lines, i + 3, c, name, "Gamry DTA", false)};
    }
  throw Error(name, "Gamry DTA", "no ZCURVE table");
}

int sniff_zplot(const io::FileHead& h) { return first_line_of(h.lines).starts_with("ZPLOT2 ASCII") ? 3 : 0; }
std::vector<Spectrum> read_zplot(std::string_view bytes, const std::string& name) {
  // Data after "End Comments"; columns Freq, Ampl, Bias, Time, Z', Z''.
  const auto lines = io::split_lines(bytes);
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].starts_with("End Comments")) return {rows_to_spectrum(lines, i + 1, Columns{0, 4, 5, false}, name, "ZPlot", false)};
  throw Error(name, "ZPlot", "no 'End Comments' line before the data");
}

int sniff_versastudio_par(const io::FileHead& h) {
  for (const auto l : lines_of(h.bytes, std::size_t{1} << 20))
    if (trim(l) == "<Segment1>") return 3;
  return 0;
}
std::vector<Spectrum> read_versastudio_par(std::string_view bytes, const std::string& name) {
  // <Segment1> ... Definition= column list ... rows ... </Segment1>
  const auto lines = io::split_lines(bytes);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    if (trim(lines[i]) == "<Segment1>") {
      std::size_t d = i + 1;
      while (d < lines.size() && !lines[d].starts_with("Definition=")) ++d;
      if (d == lines.size()) throw Error(name, "VersaStudio par", "<Segment1> without a Definition= line");
      std::vector<std::string_view> defs = io::split(lines[d].substr(11), ',');
      Columns c;
      for (std::size_t k = 0; k < defs.size(); ++k) {
        const auto n = trim(defs[k]);
        if (n == "Frequency(Hz)") c.f = static_cast<int>(k);
        if (n == "Z Real") c.re = static_cast<int>(k);
        if (n == "Z Imag") c.im = static_cast<int>(k);
      }
      if (c.f < 0 || c.re < 0 || c.im < 0)
        throw Error(name, "VersaStudio par", "Definition lacks Frequency(Hz), Z Real or Z Imag").at_line(d + 1);
      return {rows_to_spectrum(lines, d + 1, c, name, "VersaStudio par", false)};
    }
  throw Error(name, "VersaStudio par", "no <Segment1> block");
}

int sniff_chi_impedance(const io::FileHead& h) { return has_line_starting(h.bytes, "Freq/Hz") ? 2 : 0; }
std::vector<Spectrum> read_chi_impedance(std::string_view bytes, const std::string& name) {
  // "Freq/Hz, Z'/ohm, Z"/ohm, ..." then a blank line.
  const auto lines = io::split_lines(bytes);
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].starts_with("Freq/Hz")) return {rows_to_spectrum(lines, i + 1, Columns{0, 1, 2, false}, name, "CH Instruments", false)};
  throw Error(name, "CH Instruments", "no Freq/Hz header line");
}

int sniff_impedance_table(const io::FileHead& h) { return named_header(lines_of(h.bytes, std::size_t{1} << 20)) ? 2 : 0; }
std::vector<Spectrum> read_impedance_table(std::string_view bytes, const std::string& name) {
  const auto lines = io::split_lines(bytes);
  const auto header = named_header(lines);
  if (!header) throw Error(name, "impedance table", "no header line naming frequency, Z' and Z'' columns in the first 200 lines");
  const std::size_t i = header->line;
  // Some exports (EC-Lab .P00, ...) put the point count alone on the line after the header.
  if (i + 2 < lines.size()) {
    const auto count = io::whole_number(io::parse_double_strict(trim(lines[i + 1]), '.'), 1e8);
    if (count && *count >= 1) {
      auto s = rows_to_spectrum(lines, i + 2, header->columns, name, "impedance table", header->parstat);
      if (static_cast<long>(s.size()) != *count)
        throw Error(name, "impedance table",
                    fmt::format("declares {} points (line {}), holds {}{}", *count, i + 2, s.size(),
                                static_cast<long>(s.size()) < *count ? " (truncated file?)" : ""));
      return {s};
    }
  }
  return {rows_to_spectrum(lines, i + 1, header->columns, name, "impedance table", header->parstat)};
}

int sniff_fzz_table(const io::FileHead& h) {
  const std::string_view first_line[] = {first_line_of(h.lines)};
  return io::detect_number_layout(first_line, 3) ? 1 : 0;
}
std::vector<Spectrum> read_fzz_table(std::string_view bytes, const std::string& name) {
  // Plain numbers: f, Z', Z'' (Z'' signed).
  const auto lines = io::split_lines(bytes);
  return {rows_to_spectrum(lines, 0, Columns{0, 1, 2, false}, name, "f, Z', Z'' table", false)};
}

}  // namespace castor::eis
