#include "castor/report/gnuplot.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/report/style.h"

namespace castor::report {
namespace {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}
}  // namespace

namespace {
// The terminal's font size: pngcairo sizes fonts for 72 dpi, so PNG fonts are scaled to the
// resolution asked.
double terminal_font_pt(const std::filesystem::path& out) {
  const Style& st = style();
  return out.extension() == ".png" ? st.font_pt * st.dpi / 72.0 * 0.75 : st.font_pt;
}

std::string terminal(const std::filesystem::path& out, int w, int h) {
  const Style& st = style();
  const double win = st.size_given ? st.width_in : w / 100.0, hin = st.size_given ? st.height_in : h / 100.0;
  const std::string ext = out.extension().string();
  const std::string font = fmt::format("'{},{:g}'", st.font, st.font_pt);
  std::string s;
  if (ext == ".svg") {
    s += fmt::format("set terminal svg size {},{} dynamic enhanced font {} linewidth {:g}\n", std::lround(win * 96), std::lround(hin * 96),
                     font, st.line_width);
  } else if (ext == ".png") {
    // pngcairo sizes fonts and lines for 72 dpi: scale them to the resolution asked.
    const double k = st.dpi / 72.0;
    s += fmt::format("set terminal pngcairo size {},{} enhanced font '{},{:g}' linewidth {:g}\n", std::lround(win * st.dpi),
                     std::lround(hin * st.dpi), st.font, terminal_font_pt(out), st.line_width * k * 0.75);
  } else if (ext == ".pdf") {
    s += fmt::format("set terminal pdfcairo size {:g}in,{:g}in enhanced font {} linewidth {:g}\n", win, hin, font, st.line_width * 0.5);
  } else {
    throw Error(out.string(), "figure", "unsupported figure type: use .png, .pdf or .svg");
  }
  s += "set output " + quoted(out.string()) + "\nset encoding utf8\n";
  return s;
}

// `reset` clears the previous figure's settings; inside a multiplot only a plain reset
// (not `reset session`) keeps the layout.
std::string body(const Figure& f, const std::string& prefix, std::string_view reset, double font_pt) {
  std::string s = std::string(reset) + "\nset grid\nset key " + f.key + " box opaque\n";
  // Titles hold file names: no enhanced-text markup (underscores would become subscripts).
  if (!f.title.empty()) s += "set title " + quoted(f.title) + " noenhanced\n";
  s += "set xlabel " + quoted(f.xlabel) + "\nset ylabel " + quoted(f.ylabel) + "\n";
  if (f.log_x) s += "set logscale x\nset format x '10^{%L}'\n";
  if (f.log_y) s += "set logscale y\nset format y '10^{%L}'\n";
  if (f.equal_axes) s += "set size ratio -1\n";
  if (f.reverse_x) s += "set xrange [*:*] reverse\n";
  if (f.pad) s += "set offsets graph 0.05, 0.3, 0.1, 0.1\n";
  if (!f.warnings.empty()) {
    // Wrapped to the figure's width (about 7 px a character at 9 pt), at most six lines
    // under the plot; what does not fit is counted.
    // At 9/11 of the style's font (the labels' size) a character is about 0.55 em wide.
    const Style& st0 = style();
    const double width_in = st0.size_given ? st0.width_in : f.width_px / 100.0;
    const double char_in = 0.55 * st0.font_pt * 9.0 / 11.0 / 72.0;
    const std::size_t width = std::max<std::size_t>(30, static_cast<std::size_t>(width_in / char_in));
    std::vector<std::string> lines;
    std::size_t used = 0;
    for (const auto& w : f.warnings) {
      std::string rest = "warning: " + w;
      std::vector<std::string> these;
      while (!rest.empty()) {
        const std::size_t indent = these.empty() ? 0 : 4;  // continuation lines start with 4 blanks
        std::size_t cut = rest.size() <= width ? rest.size() : rest.rfind(' ', width);
        if (cut == std::string::npos || cut <= indent) cut = std::min(width, rest.size());  // no blank: cut the word
        these.push_back(rest.substr(0, cut));
        rest = rest.substr(std::min(rest.size(), cut + (cut < rest.size() && rest[cut] == ' ' ? 1 : 0)));
        if (!rest.empty()) rest = "    " + rest;
      }
      if (lines.size() + these.size() > 6) break;
      lines.insert(lines.end(), these.begin(), these.end());
      ++used;
    }
    if (used < f.warnings.size()) {
      if (lines.size() == 6) lines.pop_back();
      lines.push_back(fmt::format("(and {} more warnings: see the text or JSON output)", f.warnings.size() - used));
    }
    s += fmt::format("set bmargin {}\n", 4 + static_cast<int>(lines.size()) * 1.3);
    // One label line, as a fraction of the figure's height.
    const double height_in = st0.size_given ? st0.height_in : f.height_px / 100.0;
    const double line_frac = 1.25 * st0.font_pt * 9.0 / 11.0 / 72.0 / height_in;
    for (std::size_t k = 0; k < lines.size(); ++k)
      s +=
          fmt::format("set label {} {} at screen 0.01, screen {:.3f} left tc rgb '#b00000' font ',{:g}' noenhanced\n", 100 + k,
                      quoted(std::as_const(lines[k])), line_frac * (0.7 + static_cast<double>(lines.size() - 1 - k)), font_pt * 9.0 / 11.0);
  }
  bool y2 = false;
  for (const auto& se : f.series) y2 = y2 || se.second_axis;
  if (y2) s += "set y2label " + quoted(f.y2label) + "\nset y2tics\nset ytics nomirror\n";
  for (std::size_t k = 0; k < f.series.size(); ++k) {
    s += fmt::format("${}{} << EOD\n", prefix, k);
    const auto& se = f.series[k];
    for (std::size_t i = 0; i < se.x.size() && i < se.y.size(); ++i) {
      if (std::isfinite(se.x[i]) && std::isfinite(se.y[i])) {
        s += fmt::format("{:.9g} {:.9g}", se.x[i], se.y[i]);
        if (!se.labels.empty()) s += " " + quoted(i < se.labels.size() ? se.labels[i] : std::string());
        s += "\n";
      } else {
        s += "\n";  // a gap
      }
    }
    s += "EOD\n";
  }
  // Colours: the colour map for series that carry a value, else the style's colours.
  const Style& st = style();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& se : f.series)
    if (std::isfinite(se.colour_value)) lo = std::min(lo, se.colour_value), hi = std::max(hi, se.colour_value);
  const bool mapped = lo <= hi;
  if (mapped) {
    std::string pal;
    for (std::size_t k = 0; k < st.palette.size(); ++k)
      pal += fmt::format("{}{} '{}'", k ? ", " : "", static_cast<double>(k) / static_cast<double>(st.palette.size() - 1), st.palette[k]);
    s += "set palette defined (" + pal + ")\n";
    s += fmt::format("set cbrange [{:.9g}:{:.9g}]\nset colorbox\nset cblabel {}\n", lo, hi > lo ? hi : lo + 1, quoted(f.colour_label));
  } else {
    s += "unset colorbox\n";
  }
  const bool any_key =
      std::any_of(f.series.begin(), f.series.end(), [](const Series& se) { return !std::isfinite(se.colour_value) && !se.title.empty(); });
  if (!any_key) s += "unset key\n";
  s += "plot ";
  std::size_t keyed = 0;
  for (std::size_t k = 0; k < f.series.size(); ++k) {
    const auto& se = f.series[k];
    std::string colour;
    const bool own_colour = se.style.find("lc ") != std::string::npos || se.style.find("linecolor") != std::string::npos;
    if (own_colour)
      colour = "";  // the caller's style names its colour
    else if (std::isfinite(se.colour_value))
      colour = fmt::format(" lc palette cb {:.9g}", se.colour_value);
    else if (!se.colour.empty())
      colour = " lc rgb " + quoted(se.colour);
    else
      colour = " lc rgb " + quoted(st.colours[keyed++ % st.colours.size()]);
    const std::string title = std::isfinite(se.colour_value) || se.title.empty() ? "notitle" : "title " + quoted(se.title) + " noenhanced";
    s += fmt::format("{}${}{} using {} {} with {}{} {}", k ? ", \\\n     " : "", prefix, k, se.labels.empty() ? "1:2" : "1:2:3",
                     se.second_axis ? "axes x1y2" : "axes x1y1", se.style, colour, title);
  }
  s += "\n";
  return s;
}

void run(const std::string& script, const std::filesystem::path& out) {
  // A script file of this process's own (mkstemps): castor processes that draw at the same
  // time (a batch, parallel tests) must not share one (an unseeded rand() gave every process
  // the same name).
  std::string name = (std::filesystem::temp_directory_path() / "castor_plot_XXXXXX.gp").string();
  const int fd = ::mkstemps(name.data(), 3);
  if (fd < 0) throw Error(name, "figure", "cannot create the gnuplot script");
  const std::filesystem::path script_path(name);
  {
    const bool written = ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
    ::close(fd);
    if (!written) throw Error(script_path.string(), "figure", "cannot write the gnuplot script");
  }
  std::error_code ec;
  std::filesystem::remove(out, ec);
  const std::string cmd = fmt::format("gnuplot {} 2>&1", quoted(script_path.string()));
  std::string messages;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw Error(out.string(), "figure", "cannot run gnuplot");
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) messages += buf;
  const int rc = pclose(p);
  std::filesystem::remove(script_path, ec);
  if (rc != 0 || !std::filesystem::exists(out) || std::filesystem::file_size(out) == 0)
    throw Error(
        out.string(), "figure",
        fmt::format("gnuplot failed (is the Debian package gnuplot-nox installed?): {}", messages.empty() ? "no output" : messages));
}
}  // namespace

std::string gnuplot_script(const Figure& f, const std::filesystem::path& out) {
  return terminal(out, f.width_px, f.height_px) + body(f, "D", "reset session", terminal_font_pt(out));
}

void draw(const Figure& f, const std::filesystem::path& out) {
  if (f.series.empty()) throw Error(out.string(), "figure", "nothing to draw");
  run(gnuplot_script(f, out), out);
}

void draw_panels(const std::vector<Figure>& panels, const std::filesystem::path& out, int w, int h) {
  if (panels.empty()) throw Error(out.string(), "figure", "nothing to draw");
  std::string s = terminal(out, w, h);
  s += fmt::format("set multiplot layout 1,{}\n", panels.size());
  for (std::size_t k = 0; k < panels.size(); ++k) {
    s += body(panels[k], fmt::format("P{}_", k), k > 0 ? "reset" : "", terminal_font_pt(out));
  }
  s += "unset multiplot\n";
  run(s, out);
}

}  // namespace castor::report
