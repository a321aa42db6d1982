// A figure style: size, resolution, font, colours. castor's default is fit for a paper
// (colour-blind-safe Okabe-Ito colours, a viridis map for many curves, the legend outside
// the data); a lab's house style comes from a TOML file:
//
//   width = "8.5cm"     # or "3.35in", or "900px"
//   height = "6cm"
//   dpi = 300           # PNG resolution (PDF and SVG are vector)
//   font = "Helvetica"
//   font_size = 9       # pt
//   line_width = 1.5
//   colours = ["#000000", "#d55e00", "#0072b2"]
//   palette = ["#440154", "#21918c", "#fde725"]   # the map for many curves, low to high
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace castor::report {

struct Style {
  double width_in = 9.0, height_in = 6.0;  // the figure's size
  bool size_given = false;                 // a style or --size set it (else each figure's own)
  double dpi = 100;                        // PNG pixels per inch
  std::string font = "Sans";
  double font_pt = 11;
  double line_width = 1.5;
  std::vector<std::string> colours = {"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"};
  std::vector<std::string> palette = {"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"};
};

// The style every figure is drawn with (castor's default until set).
const Style& style();
void set_style(const Style& s);

// A length: "8.5cm", "85mm", "3.35in", "900px" (at the style's dpi) or a bare number of
// pixels. Throws castor::Error naming `what` for anything else or a size outside 0.5-100 in.
double parse_length_in(std::string_view text, double dpi, std::string_view what);
// "WxH" with the units parse_length_in takes ("16x10cm": the unit may come once, at the end).
void parse_size(std::string_view text, Style& s);
// Reads a TOML style file (keys above; unknown keys are an error naming them).
Style load_style(const std::filesystem::path& path, Style base = {});

}  // namespace castor::report
