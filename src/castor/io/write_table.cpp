#include "castor/io/write_table.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/provenance.h"
#include "castor/io/castor_table.h"

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

namespace {

struct BdfColumn {
  std::string heading;
  std::vector<double> values;
};

void add_bdf(std::vector<BdfColumn>& out, const Table& t, std::string_view name, std::string heading, double scale = 1) {
  const Column* c = t.find(name);
  if (!c) return;
  BdfColumn b{std::move(heading), c->values};
  if (scale != 1)
    for (double& v : b.values) v *= scale;
  out.push_back(std::move(b));
}

}  // namespace

void write_bdf_csv(const Table& t, std::ostream& out, const WriteOptions& o) {
  for (auto name : {col::time_s, col::voltage_V, col::current_A})
    if (!t.find(name))
      throw Error(t.meta.source_file, t.meta.format,
                  fmt::format("BDF needs test time, voltage and current; the table has no {} column", name));
  std::vector<BdfColumn> bdf;
  add_bdf(bdf, t, col::time_s, "Test Time / s");
  add_bdf(bdf, t, col::voltage_V, "Voltage / V");
  add_bdf(bdf, t, col::current_A, "Current / A");
  add_bdf(bdf, t, col::cycle, "Cycle Count / 1");
  if (const Column* step = t.find(col::step)) {
    // BDF's step count never resets: a new count at every change of the file's step.
    BdfColumn b{"Step Count / 1", {}};
    b.values.reserve(step->values.size());
    double count = 0, previous = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < step->values.size(); ++i) {
      const double v = step->values[i];
      if (i == 0 || !(v == previous || (std::isnan(v) && std::isnan(previous)))) ++count;
      previous = v;
      b.values.push_back(count);
    }
    bdf.push_back(std::move(b));
  }
  add_bdf(bdf, t, col::step_time_s, "Step Time / s");
  add_bdf(bdf, t, col::charge_passed_mAh, "Net Capacity / Ah", 1e-3);
  add_bdf(bdf, t, col::temperature_C, "Temperature T1 / degC");
  add_bdf(bdf, t, col::freq_Hz, "Frequency / Hz");
  add_bdf(bdf, t, col::z_re_ohm, "Real Impedance / ohm");
  add_bdf(bdf, t, col::z_neg_im_ohm, "Imaginary Impedance / ohm", -1);  // BDF: as reported, negative when capacitive
  std::vector<const Column*> raw;
  if (o.include_raw)
    for (const auto& c : t.columns())
      if (c.role == ColumnRole::Raw) raw.push_back(&c);
  bool first = true;
  for (const auto& b : bdf) {
    out << (first ? "" : ",") << csv_quote(b.heading);
    first = false;
  }
  for (const auto* c : raw) out << ',' << csv_quote(c->name);
  if (o.include_raw)
    for (const auto& c : t.text_columns()) out << ',' << csv_quote(c.name);
  out << '\n';
  std::string line;
  auto number = [&](double v) {
    if (std::isfinite(v))
      fmt::format_to(std::back_inserter(line), "{}", v);
    else if (!std::isnan(v))
      line += v > 0 ? "inf" : "-inf";
  };
  for (std::size_t i = 0; i < t.rows(); ++i) {
    line.clear();
    for (std::size_t k = 0; k < bdf.size(); ++k) {
      if (k) line += ',';
      number(bdf[k].values[i]);
    }
    for (const auto* c : raw) {
      line += ',';
      number(c->values[i]);
    }
    if (o.include_raw)
      for (const auto& c : t.text_columns()) {
        line += ',';
        line += csv_quote(c.values[i]);
      }
    line += '\n';
    out << line;
  }
}

void write_table(const Table& t, const std::filesystem::path& path, const WriteOptions& o) {
  const auto ext = path.extension().string();
  const bool bdf = ext == ".csv" && path.stem().extension() == ".bdf";
  if (ext == ".h5" || ext == ".hdf5") return write_hdf5(t, path, o);
  if (ext != ".csv" && ext != ".json")
    throw Error(path.string(), "", "output must end in .csv, .bdf.csv, .json, .h5 or .hdf5", ErrorKind::usage);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path.string(), "", "cannot open for writing", ErrorKind::resource);
  if (bdf)
    write_bdf_csv(t, out, o);
  else if (ext == ".csv")
    write_csv(t, out, o);
  else
    write_json(t, out, o);
  if (!out) throw Error(path.string(), "", "write failed (disk full?)", ErrorKind::resource);
}

}  // namespace castor::io
