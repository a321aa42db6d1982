#include "castor/io/write_table.h"

#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/error.h"
#include "castor/core/provenance.h"

namespace castor::io {
namespace {

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::vector<const Column*> selected(const Table& t, const WriteOptions& o) {
  std::vector<const Column*> cols;
  for (const auto& c : t.columns())
    if (c.role == ColumnRole::Common) cols.push_back(&c);
  if (o.include_raw)
    for (const auto& c : t.columns())
      if (c.role == ColumnRole::Raw) cols.push_back(&c);
  return cols;
}

}  // namespace

void write_csv(const Table& t, std::ostream& out, const WriteOptions& o) {
  const auto cols = selected(t, o);
  const auto& texts = t.text_columns();
  bool first = true;
  for (const auto* c : cols) {
    out << (first ? "" : ",") << csv_quote(c->name);
    first = false;
  }
  if (o.include_raw)
    for (const auto& c : texts) {
      out << (first ? "" : ",") << csv_quote(c.name);
      first = false;
    }
  out << '\n';
  std::string line;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    line.clear();
    bool f = true;
    for (const auto* c : cols) {
      if (!f) line += ',';
      f = false;
      const double v = c->values[i];
      if (std::isfinite(v))
        fmt::format_to(std::back_inserter(line), "{}", v);
      else if (std::isnan(v))
        line += "";
      else
        line += v > 0 ? "inf" : "-inf";
    }
    if (o.include_raw)
      for (const auto& c : texts) {
        if (!f) line += ',';
        f = false;
        line += csv_quote(c.values[i]);
      }
    line += '\n';
    out << line;
  }
}

void write_json(const Table& t, std::ostream& out, const WriteOptions& o) {
  nlohmann::ordered_json j;
  // Every key first: an ordered_json keeps its members in a vector, so a reference taken
  // before another key is added would dangle.
  j["castor"] = {{"version", version()}, {"command", command_line()}};
  j["metadata"] = nlohmann::ordered_json::object();
  j["rows"] = t.rows();
  j["columns"] = nlohmann::ordered_json::array();
  j["data"] = nlohmann::ordered_json::object();
  auto& m = j["metadata"];
  m["source_file"] = t.meta.source_file;
  m["format"] = t.meta.format;
  m["instrument"] = t.meta.instrument;
  m["software_version"] = t.meta.software_version;
  m["technique"] = t.meta.technique;
  m["layout"] = t.meta.layout == TableLayout::half_cycles ? "half_cycles" : "time_series";
  m["start_time"] = t.meta.start_time;
  if (t.meta.active_mass_g) m["active_mass_g"] = *t.meta.active_mass_g;
  if (t.meta.electrode_area_cm2) m["electrode_area_cm2"] = *t.meta.electrode_area_cm2;
  m["extra"] = t.meta.extra;
  m["warnings"] = t.meta.warnings;
  m["not_read"] = t.meta.not_read;
  auto& columns = j["columns"];
  auto& data = j["data"];
  for (const auto* c : selected(t, o)) {
    columns.push_back(
        {{"name", c->name}, {"unit", c->unit}, {"source", c->source_name}, {"role", c->role == ColumnRole::Common ? "common" : "raw"}});
    auto& arr = data[c->name] = nlohmann::ordered_json::array();
    for (double v : c->values) {
      if (std::isfinite(v))
        arr.push_back(v);
      else
        arr.push_back(nullptr);
    }
  }
  if (o.include_raw)
    for (const auto& c : t.text_columns()) {
      columns.push_back({{"name", c.name}, {"unit", ""}, {"source", c.source_name}, {"role", "raw"}});
      data[c.name] = c.values;
    }
  out << j.dump(1) << '\n';
}

void write_table(const Table& t, const std::filesystem::path& path, const WriteOptions& o) {
  const auto ext = path.extension().string();
  if (ext != ".csv" && ext != ".json") throw Error(path.string(), "", "output must end in .csv or .json");
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path.string(), "", "cannot open for writing");
  if (ext == ".csv")
    write_csv(t, out, o);
  else
    write_json(t, out, o);
  if (!out) throw Error(path.string(), "", "write failed (disk full?)");
}

}  // namespace castor::io
