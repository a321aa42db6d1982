#include "castor/io/maccor_txt.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/core/step_kind.h"
#include "castor/io/detail/delimited.h"
#include "castor/io/file.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {
constexpr std::string_view kFormat = "Maccor text export";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A column of seconds, from a numeric column or a text column of "Nd hh:mm:ss" durations.
std::optional<ColumnValues> seconds(const Table& t, std::initializer_list<const char*> names) {  // a numeric one shared
  for (const char* n : names) {
    if (const Column* c = t.find(n)) return c->values;
    if (const TextColumn* c = t.find_text(n)) {
      std::vector<double> v(c->values.size(), kNaN);
      for (std::size_t i = 0; i < v.size(); ++i)
        if (auto s = parse_duration_s(c->values[i])) v[i] = *s;
      return v;
    }
  }
  return std::nullopt;
}
}  // namespace

Table read_maccor_txt(const std::filesystem::path& path) {
  const std::string file = path.string();
  const auto bytes = read_file_bytes(path, std::string(kFormat));
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto lines = split_lines(text);
  std::size_t header = lines.size();
  for (std::size_t i = 0; i < std::min<std::size_t>(lines.size(), 20); ++i)
    if (lines[i].find("Rec#") != std::string_view::npos && lines[i].find("Cyc#") != std::string_view::npos) {
      header = i;
      break;
    }
  if (header == lines.size()) throw Error(file, std::string(kFormat), "no column line with 'Rec#' and 'Cyc#' in the first 20 lines");
  Table t;
  t.meta.source_file = file;
  t.meta.format = "maccor-txt";
  t.meta.instrument = "Maccor";
  for (std::size_t i = 0; i < header; ++i) {
    const std::string l = to_utf8(lines[i]);
    for (const char* key : {"Procedure:", "Filename:", "Date of Test:", "Tester Channel:"}) {
      const auto p = l.find(key);
      if (p == std::string::npos) continue;
      auto rest = trim(std::string_view(l).substr(p + std::string_view(key).size()));
      const auto end = rest.find('\t');
      std::string value(trim(rest.substr(0, end)));
      if (std::string_view(key) == "Procedure:") {
        const auto sp = value.find("  ");
        t.meta.technique = "procedure " + value.substr(0, sp);
      }
      t.meta.extra[std::string("maccor.") + std::string(key).substr(0, std::string_view(key).size() - 1)] = value;
    }
  }
  auto raw = split(lines[header], '\t');
  while (!raw.empty() && trim(raw.back()).empty()) raw.pop_back();
  const auto names = unique_names(raw);
  DelimitedOptions opt;
  opt.delimiter = '\t';
  opt.missing.push_back("N/A");
  opt.decimal = detect_decimal(std::span(lines).subspan(header + 1), '\t');
  if (opt.decimal == ',') t.meta.extra["decimal_separator"] = ",";
  parse_delimited_rows(lines, header + 1, names, opt, header + 2, t);

  const std::size_t n = t.rows();
  if (auto v = seconds(t, {"Test (Sec)", "TestTime"}))
    t.add(col::time_s, "s", "Test (Sec)|TestTime", ColumnRole::Common, std::move(*v));
  else
    throw Error(file, std::string(kFormat), "no test-time column ('Test (Sec)' or 'TestTime')");
  if (auto v = seconds(t, {"Step (Sec)", "StepTime"}))
    t.add(col::step_time_s, "s", "Step (Sec)|StepTime", ColumnRole::Common, std::move(*v));
  const Column* volts = t.find("Volts");
  const Column* amps = t.find("Amps");
  if (!volts || !amps) throw Error(file, std::string(kFormat), "no 'Volts' or 'Amps' column");
  const TextColumn* state = t.find_text("State");
  std::vector<double> current(n), kind(n, static_cast<double>(StepKind::unknown));
  for (std::size_t i = 0; i < n; ++i) {
    const double a = amps->values[i];
    const std::string s = state ? state->values[i] : "";
    if (s == "D") {
      current[i] = -std::fabs(a);
      kind[i] = static_cast<double>(StepKind::cc_discharge);
    } else if (s == "C") {
      current[i] = std::fabs(a);
      kind[i] = static_cast<double>(StepKind::cc_charge);
    } else {
      current[i] = a;
      if (s == "R" || s == "O")
        kind[i] = static_cast<double>(StepKind::rest);
      else if (s == "S")
        kind[i] = static_cast<double>(StepKind::other);
    }
  }
  t.add(col::voltage_V, "V", "Volts", ColumnRole::Common, volts->values);
  t.add(col::current_A, "A", "Amps, signed by State", ColumnRole::Common, std::move(current));
  if (const Column* c = t.find("Cyc#")) t.add(col::cycle, "", "Cyc#", ColumnRole::Common, c->values);
  if (const Column* c = t.find("Step")) t.add(col::step, "", "Step", ColumnRole::Common, c->values);
  if (state) t.add(col::step_kind, "", "State", ColumnRole::Common, std::move(kind));
  // Amp-hr and Watt-hr count within each step; the State says which direction it is.
  if (state) {
    auto split = [&](const char* src, std::string_view chg_name, std::string_view dis_name, std::string_view unit) {
      const Column* c = t.find(src);
      if (!c) return;
      std::vector<double> chg(n, 0.0), dis(n, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        if (state->values[i] == "C")
          chg[i] = c->values[i] * 1e3;
        else if (state->values[i] == "D")
          dis[i] = c->values[i] * 1e3;
      }
      t.add(chg_name, unit, fmt::format("{} (State C) x 1000", src), ColumnRole::Common, std::move(chg));
      t.add(dis_name, unit, fmt::format("{} (State D) x 1000", src), ColumnRole::Common, std::move(dis));
    };
    split("Amp-hr", col::charge_capacity_mAh, col::discharge_capacity_mAh, "mAh");
    split("Watt-hr", col::charge_energy_mWh, col::discharge_energy_mWh, "mWh");
  }
  // The channel: the header's Tester Channel, else the .0NN extension Maccor gives each channel's file.
  if (auto it = t.meta.extra.find("maccor.Tester Channel"); it != t.meta.extra.end() && !it->second.empty())
    t.meta.extra["channel"] = it->second;
  else if (const auto ext = path.extension().string();
           ext.size() == 4 && ext[1] >= '0' && ext[1] <= '9' && ext.find_first_not_of("0123456789", 1) == std::string::npos)
    t.meta.extra["channel"] = std::to_string(parse_integer(ext.substr(1), "Maccor channel from the extension", 0, 999));
  if (const TextColumn* d = t.find_text("DPt Time"); d && n > 0)
    if (auto s = parse_datetime_s(d->values[0])) set_start_time(t.meta, *s, "first DPt Time");
  return t;
}

}  // namespace castor::io
