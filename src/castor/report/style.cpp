#include "castor/report/style.h"

#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::report {
namespace {
Style& current() {
  static Style s;
  return s;
}

bool is_colour(std::string_view c) {
  if (c.size() != 7 || c[0] != '#') return false;
  for (std::size_t i = 1; i < 7; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return false;
  return true;
}
}  // namespace

const Style& style() { return current(); }
void set_style(const Style& s) { current() = s; }

double parse_length_in(std::string_view text, double dpi, std::string_view what) {
  const auto t = io::trim(text);
  std::size_t k = 0;
  while (k < t.size() && (std::isdigit(static_cast<unsigned char>(t[k])) || t[k] == '.')) ++k;
  const auto value = io::parse_double_strict(t.substr(0, k), '.');
  const std::string unit = io::to_lower(io::trim(t.substr(k)));
  double in = NAN;
  if (value) {
    if (unit == "cm")
      in = *value / 2.54;
    else if (unit == "mm")
      in = *value / 25.4;
    else if (unit == "in")
      in = *value;
    else if (unit == "px" || unit.empty())
      in = *value / dpi;
  }
  if (!std::isfinite(in) || in < 0.5 || in > 100)
    throw Error(fmt::format("{} '{}': give a length of 0.5-100 in as 8.5cm, 85mm, 3.35in or 900px", what, text));
  return in;
}

void parse_size(std::string_view text, Style& s) {
  const auto x = text.find_first_of("xX");
  if (x == std::string_view::npos) throw Error(fmt::format("--size '{}': give WIDTHxHEIGHT, e.g. 16x10cm or 900x600", text));
  auto w = std::string(io::trim(text.substr(0, x)));
  const auto h = std::string(io::trim(text.substr(x + 1)));
  // "16x10cm": the width takes the height's unit.
  if (!w.empty() && std::isdigit(static_cast<unsigned char>(w.back())))
    for (std::size_t k = 0; k < h.size(); ++k)
      if (std::isalpha(static_cast<unsigned char>(h[k]))) {
        w += h.substr(k);
        break;
      }
  s.width_in = parse_length_in(w, s.dpi, "--size width");
  s.height_in = parse_length_in(h, s.dpi, "--size height");
  s.size_given = true;
}

Style load_style(const std::filesystem::path& path, Style s) {
  const std::string file = path.string();
  toml::table t;
  try {
    t = toml::parse(io::read_nonempty_file(path, "style"), file);
  } catch (const toml::parse_error& e) {
    throw Error(file, "style", fmt::format("not TOML: {} (line {})", e.description(), e.source().begin.line));
  }
  auto number = [&](std::string_view key, double lo, double hi) {
    const auto v = t[key].value<double>();
    if (!v || !std::isfinite(*v) || *v < lo || *v > hi)
      throw Error(file, "style", fmt::format("{} must be a number in {}-{}", key, lo, hi));
    return *v;
  };
  auto colours = [&](std::string_view key) {
    const auto* a = t[key].as_array();
    if (!a || a->empty()) throw Error(file, "style", fmt::format("{} must be a list of colours \"#rrggbb\"", key));
    std::vector<std::string> out;
    for (const auto& e : *a) {
      const auto c = e.value<std::string>();
      if (!c || !is_colour(*c)) throw Error(file, "style", fmt::format("{}: '{}' is not a colour \"#rrggbb\"", key, c.value_or("?")));
      out.push_back(*c);
    }
    return out;
  };
  if (t.contains("dpi")) s.dpi = number("dpi", 30, 2400);
  for (const auto& [key, node] : t) {
    const std::string k(key.str());
    if (k == "dpi") continue;
    if (k == "width" || k == "height") {
      const auto v = node.value<std::string>();
      const double in = v ? parse_length_in(*v, s.dpi, k) : parse_length_in(fmt::format("{}", node.value<double>().value_or(0)), s.dpi, k);
      (k == "width" ? s.width_in : s.height_in) = in;
      s.size_given = true;
    } else if (k == "font") {
      const auto v = node.value<std::string>();
      if (!v || v->empty() || v->find_first_of("'\"\\\n") != std::string::npos) throw Error(file, "style", "font must be a font name");
      s.font = *v;
    } else if (k == "font_size") {
      s.font_pt = number("font_size", 4, 48);
    } else if (k == "line_width") {
      s.line_width = number("line_width", 0.1, 10);
    } else if (k == "colours" || k == "colors") {
      s.colours = colours(k);
    } else if (k == "palette") {
      s.palette = colours(k);
      if (s.palette.size() < 2) throw Error(file, "style", "palette needs at least two colours");
    } else {
      throw Error(file, "style",
                  fmt::format("unknown key '{}' (a style has width, height, dpi, font, font_size, line_width, colours, palette)", k));
    }
  }
  return s;
}

}  // namespace castor::report
