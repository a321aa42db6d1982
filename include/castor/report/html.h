// A self-contained HTML page of results: sections with their values (with units and
// notes), sortable tables, warnings beside the numbers, and interactive figures (zoom by
// dragging, double-click to reset, hover for the nearest point's values) drawn by uPlot
// (MIT, npm package uplot), embedded so the file works offline and can be mailed.
//
// Figures are the report::Figure castor draws with gnuplot, so a figure in the page shows
// the same data and carries the same warnings as `castor plot`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "castor/report/gnuplot.h"
#include "castor/report/report.h"

namespace castor::report {

struct HtmlSection {
  std::string id;        // the anchor (unique within the page; made from the title when empty)
  std::string title;     // "NaCoO2-C09"
  std::string subtitle;  // the file, the format, the instrument
  Report report;         // its values, tables (in_text ones shown), notes and warnings
  std::vector<Figure> figures;
};

struct HtmlPage {
  std::string title;
  std::vector<std::string> header;  // lines under the title (castor version, command, date)
  std::vector<HtmlSection> sections;
};

// Writes the page. Every number is written as castor prints it in its text reports (the
// tables' text formats), with the full value in the cell's title attribute; NaN is "-".
void write_html(const HtmlPage& page, std::ostream& out);
// The uPlot version embedded.
std::string embedded_uplot_version();

}  // namespace castor::report
