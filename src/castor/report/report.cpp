#include "castor/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "castor/core/error.h"
#include "castor/core/provenance.h"

namespace castor::report {
std::string column_heading(const ReportColumn& c) {
  if (!c.heading.empty()) return c.heading;
  return c.unit.empty() ? c.name : c.name + " " + c.unit;
}

std::string cell_text(const ReportColumn& c, std::size_t row) {
  if (c.is_text()) return c.texts[row];
  const double v = c.numbers[row];
  if (std::isnan(v)) return "-";
  return fmt::format(fmt::runtime(c.text_format), v * c.text_scale);
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// "cm2/s" -> "cm2_s", "V/s^0.5" -> "V_s05": units as they go into a CSV column name.
std::string unit_key(const std::string& unit) {
  std::string k;
  for (char ch : unit) {
    if (ch == '/' || ch == ' ')
      k += '_';
    else if (ch != '^' && ch != '.' && ch != '(' && ch != ')')
      k += ch;
  }
  return k;
}

nlohmann::ordered_json number_json(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); }

}  // namespace

ReportColumn& ReportTable::add_numbers(std::string name_, std::string unit, std::vector<double> values, std::string text_format,
                                       std::string heading, double text_scale) {
  if (!columns.empty() && values.size() != rows())
    throw Error(fmt::format("report table {}: column {} has {} rows, the table {}", name, name_, values.size(), rows()),
                ErrorKind::internal);
  ReportColumn c;
  c.name = std::move(name_), c.unit = std::move(unit), c.heading = std::move(heading);
  c.numbers = std::move(values), c.text_format = std::move(text_format), c.text_scale = text_scale;
  columns.push_back(std::move(c));
  return columns.back();
}

ReportColumn& ReportTable::add_texts(std::string name_, std::vector<std::string> values, std::string heading) {
  if (!columns.empty() && values.size() != rows())
    throw Error(fmt::format("report table {}: column {} has {} rows, the table {}", name, name_, values.size(), rows()),
                ErrorKind::internal);
  ReportColumn c;
  c.name = std::move(name_), c.heading = std::move(heading), c.texts = std::move(values);
  columns.push_back(std::move(c));
  return columns.back();
}

void write_text(const Report& r, std::ostream& out) {
  if (!r.summary.empty()) out << (r.source.empty() ? "" : r.source + ": ") << r.summary << "\n";
  for (const auto& t : r.tables) {
    if (!t.in_text) continue;
    if (!t.caption.empty()) out << t.caption << "\n";
    std::vector<std::size_t> width;
    std::vector<const ReportColumn*> shown;
    for (const auto& c : t.columns)
      if (c.in_text) shown.push_back(&c);
    for (const auto* cp : shown) {
      const auto& c = *cp;
      std::size_t w = column_heading(c).size();
      for (std::size_t i = 0; i < t.rows(); ++i) w = std::max(w, cell_text(c, i).size());
      width.push_back(w);
    }
    std::string line;
    // numbers right-aligned, texts left-aligned (the last column without trailing blanks)
    auto cell = [&](std::size_t k, const std::string& text) {
      const bool last = k + 1 == shown.size();
      if (shown[k]->is_text()) return fmt::format("{}{:<{}}", k ? "  " : "", text, last ? 0 : width[k]);
      return fmt::format("{}{:>{}}", k ? "  " : "", text, width[k]);
    };
    for (std::size_t k = 0; k < shown.size(); ++k) line += cell(k, column_heading(*shown[k]));
    out << line << "\n";
    for (std::size_t i = 0; i < t.rows(); ++i) {
      line.clear();
      for (std::size_t k = 0; k < shown.size(); ++k) line += cell(k, cell_text(*shown[k], i));
      out << line << "\n";
    }
  }
  for (const auto& q : r.values) {
    if (!q.in_text) continue;
    out << fmt::format("{} = {:.4g}{}{}", q.label.empty() ? q.name : q.label, q.value, q.unit.empty() ? "" : " " + q.unit,
                       std::isfinite(q.std_error) ? fmt::format(" +- {:.2g}", q.std_error) : "");
    if (!q.note.empty()) out << " (" << q.note << ")";
    out << "\n";
  }
  for (const auto& n : r.notes) out << n << "\n";
  for (const auto& w : r.warnings) out << "WARNING: " << w << "\n";
}

void write_csv(const ReportTable& t, std::ostream& out) {
  std::string line;
  for (std::size_t k = 0; k < t.columns.size(); ++k) {
    const auto& c = t.columns[k];
    line += (k ? "," : "") + csv_field(c.unit.empty() ? c.name : c.name + "_" + unit_key(c.unit));
  }
  out << line << "\n";
  for (std::size_t i = 0; i < t.rows(); ++i) {
    line.clear();
    for (std::size_t k = 0; k < t.columns.size(); ++k) {
      const auto& c = t.columns[k];
      line += k ? "," : "";
      if (c.is_text())
        line += csv_field(c.texts[i]);
      else if (std::isfinite(c.numbers[i]))
        line += fmt::format("{:.10g}", c.numbers[i]);
    }
    out << line << "\n";
  }
}

void write_json(const Report& r, std::ostream& out) {
  nlohmann::ordered_json j;
  j["castor"] = {{"version", version()}, {"command", command_line()}};
  j["analysis"] = r.analysis;
  j["source"] = r.source;
  j["summary"] = r.summary;
  j["values"] = nlohmann::ordered_json::object();
  for (const auto& q : r.values) {
    nlohmann::ordered_json v;
    v["value"] = number_json(q.value);
    v["unit"] = q.unit;
    if (std::isfinite(q.std_error)) v["std_error"] = q.std_error;
    if (!q.note.empty()) v["note"] = q.note;
    j["values"][q.name] = v;
  }
  j["tables"] = nlohmann::ordered_json::object();
  for (const auto& t : r.tables) {
    nlohmann::ordered_json cols = nlohmann::ordered_json::object();
    for (const auto& c : t.columns) {
      nlohmann::ordered_json col;
      col["unit"] = c.unit;
      nlohmann::ordered_json values = nlohmann::ordered_json::array();
      if (c.is_text())
        for (const auto& s : c.texts) values.push_back(s);
      else
        for (double v : c.numbers) values.push_back(number_json(v));
      col["values"] = values;
      cols[c.name] = col;
    }
    j["tables"][t.name] = cols;
  }
  j["notes"] = r.notes;
  j["warnings"] = r.warnings;
  out << j.dump(2) << "\n";
}

void write_file(const Report& r, const std::string& path, const std::string& table) {
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (ext != "json" && ext != "csv")
    throw Error(path, "", "the output's extension says the format: .csv (a table) or .json (everything)", ErrorKind::usage);
  const ReportTable* t = nullptr;
  if (ext == "csv") {
    for (const auto& x : r.tables)
      if (table.empty() || x.name == table) {
        t = &x;
        break;
      }
    if (!t)
      throw Error(path, "csv", fmt::format("the {} report has no table {}", r.analysis, table.empty() ? "to write" : table),
                  ErrorKind::usage);
  }
  std::ofstream out(path);
  if (!out) throw Error(path, ext, "cannot open for writing", ErrorKind::resource);
  if (t)
    write_csv(*t, out);
  else
    write_json(r, out);
  out.flush();
  if (!out) throw Error(path, ext, "cannot write", ErrorKind::resource);
}

}  // namespace castor::report
