// Figures through gnuplot (Debian package gnuplot-nox): castor writes a self-contained
// script with the data inline and runs `gnuplot` on it. PNG (pngcairo), PDF (pdfcairo) or
// SVG by the output's extension, in the style of report::style() (size, dpi, font,
// colours; see style.h).
#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace castor::report {

struct Series {
  Series() = default;
  Series(std::string title_, std::vector<double> x_, std::vector<double> y_, std::string style_ = "lines", bool second_axis_ = false)
      : title(std::move(title_)), x(std::move(x_)), y(std::move(y_)), style(std::move(style_)), second_axis(second_axis_) {}
  std::string title;
  std::vector<double> x, y;
  std::string style = "lines";  // gnuplot "with" clause: "lines", "points pt 7 ps 0.6", "linespoints"
  bool second_axis = false;     // plot against y2
  // Colour: a value on the figure's colour map (e.g. the cycle number; NaN = none), else
  // an explicit "#rrggbb", else the style's k-th colour. Series on the map stay out of the
  // key: the colour bar names them.
  double colour_value = std::numeric_limits<double>::quiet_NaN();
  std::string colour;
  // A text per point, drawn beside it (style "labels point ..."): a third data column.
  std::vector<std::string> labels;
};

struct Figure {
  std::string title, xlabel, ylabel, y2label;
  std::vector<Series> series;
  int width_px = 900, height_px = 600;
  bool log_x = false, log_y = false;
  bool equal_axes = false;   // same scale on x and y (Nyquist plots)
  bool reverse_x = false;    // x runs high to low (XPS binding energy)
  bool pad = false;          // margins around the data (scatter plots with labels)
  std::string colour_label;  // the colour bar's label when series sit on the colour map
  // gnuplot key position; by default above the plot, outside the data.
  std::string key = "outside top center horizontal";
  // What castor cannot stand behind in the data drawn (the reader's and the analysis'
  // warnings): printed in red under the plot, so the figure carries them as the text does.
  std::vector<std::string> warnings;
};

// The gnuplot script that draws `figure` into `out`.
std::string gnuplot_script(const Figure& figure, const std::filesystem::path& out);
// Runs gnuplot; throws castor::Error when gnuplot is missing, fails, or writes nothing.
void draw(const Figure& figure, const std::filesystem::path& out);
// Several panels side by side in one image (e.g. Nyquist and Bode).
void draw_panels(const std::vector<Figure>& panels, const std::filesystem::path& out, int width_px = 1400, int height_px = 600);

}  // namespace castor::report
