#include "castor/report/gnuplot.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "castor/core/error.h"

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

std::string gnuplot_script(const Figure& f, const std::filesystem::path& out) {
  const std::string ext = out.extension().string();
  std::string s;
  if (ext == ".svg")
    s += fmt::format("set terminal svg size {},{} dynamic enhanced font 'Sans,12'\n", f.width_px, f.height_px);
  else if (ext == ".png")
    s += fmt::format("set terminal pngcairo size {},{} enhanced font 'Sans,11'\n", f.width_px, f.height_px);
  else
    throw Error(out.string(), "figure", "unsupported figure type: use .png or .svg");
  s += "set output " + quoted(out.string()) + "\n";
  s += "set encoding utf8\nset grid\nset key top left box opaque\n";
  // Titles hold file names: no enhanced-text markup (underscores would become subscripts).
  if (!f.title.empty()) s += "set title " + quoted(f.title) + " noenhanced\n";
  s += "set xlabel " + quoted(f.xlabel) + "\nset ylabel " + quoted(f.ylabel) + "\n";
  bool y2 = false;
  for (const auto& se : f.series) y2 = y2 || se.second_axis;
  if (y2) s += "set y2label " + quoted(f.y2label) + "\nset y2tics\nset ytics nomirror\n";
  for (std::size_t k = 0; k < f.series.size(); ++k) {
    s += fmt::format("$D{} << EOD\n", k);
    const auto& se = f.series[k];
    for (std::size_t i = 0; i < se.x.size() && i < se.y.size(); ++i) {
      if (std::isfinite(se.x[i]) && std::isfinite(se.y[i])) s += fmt::format("{:.9g} {:.9g}\n", se.x[i], se.y[i]);
      else s += "\n";  // a gap
    }
    s += "EOD\n";
  }
  s += "plot ";
  for (std::size_t k = 0; k < f.series.size(); ++k) {
    const auto& se = f.series[k];
    s += fmt::format("{}$D{} using 1:2 {} with {} title {} noenhanced", k ? ", \\\n     " : "", k,
                     se.second_axis ? "axes x1y2" : "axes x1y1", se.style, quoted(se.title));
  }
  s += "\n";
  return s;
}

void draw(const Figure& f, const std::filesystem::path& out) {
  if (f.series.empty()) throw Error(out.string(), "figure", "nothing to draw");
  const std::string script = gnuplot_script(f, out);
  const auto script_path = std::filesystem::temp_directory_path() /
                           fmt::format("castor_plot_{}_{}.gp", static_cast<long>(std::rand()), out.filename().string());
  {
    std::ofstream s(script_path);
    s << script;
    if (!s) throw Error(script_path.string(), "figure", "cannot write the gnuplot script");
  }
  std::error_code ec;
  std::filesystem::remove(out, ec);
  const std::string cmd = fmt::format("gnuplot {} 2>&1", quoted(script_path.string()));
  std::string messages;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) messages += buf;
    const int rc = pclose(p);
    std::filesystem::remove(script_path, ec);
    if (rc != 0 || !std::filesystem::exists(out) || std::filesystem::file_size(out) == 0)
      throw Error(out.string(), "figure",
                  fmt::format("gnuplot failed (is the Debian package gnuplot-nox installed?): {}",
                              messages.empty() ? "no output" : messages));
  } else {
    throw Error(out.string(), "figure", "cannot run gnuplot");
  }
}

}  // namespace castor::report
