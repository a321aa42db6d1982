// Figures through gnuplot (Debian package gnuplot-nox): castor writes a self-contained
// script with the data inline and runs `gnuplot` on it. PNG (pngcairo) or SVG by the
// output's extension.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace castor::report {

struct Series {
  std::string title;
  std::vector<double> x, y;
  std::string style = "lines";  // gnuplot "with" clause: "lines", "points pt 7 ps 0.6", "linespoints"
  bool second_axis = false;     // plot against y2
};

struct Figure {
  std::string title, xlabel, ylabel, y2label;
  std::vector<Series> series;
  int width_px = 900, height_px = 600;
  bool log_x = false, log_y = false;
  bool equal_axes = false;  // same scale on x and y (Nyquist plots)
  std::string key = "top left";  // gnuplot key position, e.g. "bottom right", "outside right"
  // What castor cannot stand behind in the data drawn (the reader's and the analysis'
  // warnings): printed in red under the plot, so the figure carries them as the text does.
  std::vector<std::string> warnings;
};

// The gnuplot script that draws `figure` into `out`.
std::string gnuplot_script(const Figure& figure, const std::filesystem::path& out);
// Runs gnuplot; throws castor::Error when gnuplot is missing, fails, or writes nothing.
void draw(const Figure& figure, const std::filesystem::path& out);
// Several panels side by side in one image (e.g. Nyquist and Bode).
void draw_panels(const std::vector<Figure>& panels, const std::filesystem::path& out, int width_px = 1400,
                 int height_px = 600);

}  // namespace castor::report
