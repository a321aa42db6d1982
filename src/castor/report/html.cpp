#include "castor/report/html.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/report/html_assets.h"
#include "castor/report/style.h"

namespace castor::report {
namespace {

// Points per series the page carries; a longer series is drawn from every k-th point (and
// its last), which the figure says.
constexpr std::size_t kMaxPoints = 5000;

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string anchor(const std::string& title, std::set<std::string>& used) {
  std::string a;
  for (char c : title) a += std::isalnum(static_cast<unsigned char>(c)) ? char(std::tolower(static_cast<unsigned char>(c))) : '-';
  if (a.empty()) a = "section";
  std::string unique = a;
  for (int k = 2; used.count(unique); ++k) unique = fmt::format("{}-{}", a, k);
  used.insert(unique);
  return unique;
}

// A colour between the palette's stops, for t in [0, 1].
std::string palette_colour(const std::vector<std::string>& palette, double t) {
  if (palette.empty()) return "#000000";
  if (palette.size() == 1 || !std::isfinite(t)) return palette.front();
  t = std::clamp(t, 0.0, 1.0) * double(palette.size() - 1);
  const std::size_t k = std::min(std::size_t(t), palette.size() - 2);
  const double f = t - double(k);
  auto channel = [](const std::string& hex, int i) { return std::stoi(hex.substr(1 + 2 * std::size_t(i), 2), nullptr, 16); };
  std::string out = "#";
  for (int i = 0; i < 3; ++i) {
    const double v = (1 - f) * channel(palette[k], i) + f * channel(palette[k + 1], i);
    out += fmt::format("{:02x}", int(std::lround(v)));
  }
  return out;
}

bool is_hex_colour(const std::string& c) {
  return c.size() == 7 && c[0] == '#' &&
         std::all_of(c.begin() + 1, c.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
}

// Drawn values at 7 significant digits (the page's size; the readout shows 6), NaN as null.
nlohmann::json drawn(double v) { return std::isfinite(v) ? nlohmann::json(std::stod(fmt::format("{:.7g}", v))) : nlohmann::json(); }

nlohmann::json numbers(const std::vector<double>& v, std::size_t step) {
  nlohmann::json a = nlohmann::json::array();
  for (std::size_t i = 0; i < v.size(); i += step) a.push_back(drawn(v[i]));
  if (step > 1 && !v.empty() && (v.size() - 1) % step != 0) a.push_back(drawn(v.back()));
  return a;
}

// A figure as the JSON castor_report.js draws; `notes` gets a line for thinned series.
nlohmann::json figure_json(const Figure& f, std::vector<std::string>& notes) {
  const Style& st = style();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : f.series)
    if (std::isfinite(s.colour_value)) lo = std::min(lo, s.colour_value), hi = std::max(hi, s.colour_value);
  nlohmann::json j = {{"title", f.title}, {"xlabel", f.xlabel},    {"ylabel", f.ylabel},     {"y2label", f.y2label},  {"logx", f.log_x},
                      {"logy", f.log_y},  {"equal", f.equal_axes}, {"reverse", f.reverse_x}, {"warnings", f.warnings}};
  auto& series = j["series"] = nlohmann::json::array();
  std::size_t k = 0;
  for (const auto& s : f.series) {
    std::string colour;
    if (std::isfinite(s.colour_value))
      colour = palette_colour(st.palette, hi > lo ? (s.colour_value - lo) / (hi - lo) : 0.5);
    else if (is_hex_colour(s.colour))
      colour = s.colour;
    else
      colour = st.colours.empty() ? "#000000" : st.colours[k++ % st.colours.size()];
    const std::size_t n = std::min(s.x.size(), s.y.size());
    const std::size_t step = n > kMaxPoints ? (n + kMaxPoints - 1) / kMaxPoints : 1;
    if (step > 1) notes.push_back(fmt::format("{}: drawn from every {}th of its {} points", s.title.empty() ? f.title : s.title, step, n));
    std::vector<double> x(s.x.begin(), s.x.begin() + long(n)), y(s.y.begin(), s.y.begin() + long(n));
    series.push_back({{"title", s.title},
                      {"x", numbers(x, step)},
                      {"y", numbers(y, step)},
                      {"points", s.style.find("point") != std::string::npos && s.style.find("lines") == std::string::npos},
                      {"y2", s.second_axis},
                      {"colour", colour}});
  }
  return j;
}

std::string script_json(const nlohmann::json& j) {
  std::string s = j.dump();
  // Inside <script>, "</" would end the element.
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

void write_table(const ReportTable& t, std::ostream& out) {
  std::vector<const ReportColumn*> cols;
  for (const auto& c : t.columns)
    if (c.in_text) cols.push_back(&c);
  if (cols.empty()) return;
  if (!t.caption.empty()) out << "<p class=\"caption\">" << escape(t.caption) << "</p>\n";
  out << "<table class=\"data sortable\" data-table=\"" << escape(t.name) << "\"><thead><tr>";
  for (const auto* c : cols) out << "<th title=\"" << escape(c->name) << "\">" << escape(column_heading(*c)) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < t.rows(); ++r) {
    out << "<tr>";
    for (const auto* c : cols) {
      const std::string text = cell_text(*c, r);
      if (c->is_text()) {
        out << "<td class=\"text\">" << escape(text) << "</td>";
      } else {
        const double v = c->numbers[r];
        const std::string full = std::isfinite(v) ? fmt::format("{}", v) : "";
        out << "<td data-v=\"" << full << "\" title=\"" << full << (c->unit.empty() ? "" : " " + escape(c->unit)) << "\">" << escape(text)
            << "</td>";
      }
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

void write_section(const HtmlSection& s, const std::string& id, std::size_t& figure_index, std::ostream& out) {
  const Report& r = s.report;
  out << "<section id=\"" << id << "\">\n<h2>" << escape(s.title) << "</h2>\n";
  if (!s.subtitle.empty()) out << "<p class=\"subtitle\">" << escape(s.subtitle) << "</p>\n";
  if (!r.summary.empty()) out << "<p class=\"summary\">" << escape(r.summary) << "</p>\n";
  for (const auto& w : r.warnings) out << "<p class=\"warning\">WARNING: " << escape(w) << "</p>\n";
  bool values = false;
  for (const auto& q : r.values) values = values || q.in_text;
  if (values) {
    out << "<table class=\"values\"><thead><tr><th>value</th><th>number</th><th>unit</th><th>std "
           "error</th><th>note</th></tr></thead><tbody>\n";
    for (const auto& q : r.values) {
      if (!q.in_text) continue;
      const std::string full = std::isfinite(q.value) ? fmt::format("{}", q.value) : "";
      out << "<tr data-name=\"" << escape(q.name) << "\"><td>" << escape(q.label) << "</td><td data-v=\"" << full << "\" title=\"" << full
          << "\">" << (std::isfinite(q.value) ? fmt::format("{:.6g}", q.value) : "-") << "</td><td class=\"text\">" << escape(q.unit)
          << "</td><td>" << (std::isfinite(q.std_error) ? fmt::format("{:.3g}", q.std_error) : "") << "</td><td class=\"text\">"
          << escape(q.note) << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
  for (const auto& f : s.figures) {
    std::vector<std::string> notes;
    const auto j = figure_json(f, notes);
    out << "<div class=\"figure\" id=\"figure-" << ++figure_index << "\"><div class=\"plot\"></div><div class=\"readout\"></div>"
        << "<div class=\"hint\">drag to zoom, double-click to reset; the values of the nearest point show here on hover</div>\n";
    for (const auto& n : notes) out << "<p class=\"note\">" << escape(n) << "</p>\n";
    for (const auto& w : f.warnings) out << "<p class=\"warning\">" << escape(w) << "</p>\n";
    out << "<script type=\"application/json\">" << script_json(j) << "</script></div>\n";
  }
  for (const auto& t : r.tables)
    if (t.in_text) write_table(t, out);
  for (const auto& n : r.notes) out << "<p class=\"note\">" << escape(n) << "</p>\n";
  out << "</section>\n";
}

}  // namespace

std::string embedded_uplot_version() { return "1.6.32"; }

void write_html(const HtmlPage& page, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"castor\">\n<title>" << escape(page.title) << "</title>\n"
      << "<style>\n"
      << assets::kUplotCss << "\n"
      << assets::kCastorCss << "</style>\n"
      << "<script>\n/* uPlot " << embedded_uplot_version() << " (MIT licence, (c) Leon Sorokin, github.com/leeoniya/uPlot) */\n"
      << assets::kUplotJs << "\n</script>\n</head>\n<body>\n";
  out << "<h1>" << escape(page.title) << "</h1>\n";
  for (const auto& h : page.header) out << "<p class=\"header\">" << escape(h) << "</p>\n";
  std::set<std::string> used;
  std::vector<std::string> ids;
  for (const auto& s : page.sections) ids.push_back(anchor(s.id.empty() ? s.title : s.id, used));
  if (page.sections.size() > 1) {
    out << "<nav>";
    for (std::size_t k = 0; k < page.sections.size(); ++k)
      out << "<a href=\"#" << ids[k] << "\">" << escape(page.sections[k].title) << "</a>";
    out << "</nav>\n";
  }
  std::size_t figure_index = 0;
  for (std::size_t k = 0; k < page.sections.size(); ++k) write_section(page.sections[k], ids[k], figure_index, out);
  out << "<div id=\"castor-status\" hidden></div>\n<script>\n" << assets::kCastorJs << "\n</script>\n</body>\n</html>\n";
}

}  // namespace castor::report
