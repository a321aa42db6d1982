#include "castor/io/neware_csv.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/io/column_names.h"
#include "castor/io/detail/delimited.h"
#include "castor/io/file.h"
#include "castor/io/generic_csv.h"
#include "castor/io/detail/text.h"

namespace castor::io {
namespace {

// Capacity column and specific-capacity column -> active mass in g (median of the ratio).
std::optional<double> mass_from_specific_capacity(const Table& t) {
  const Column* cap = nullptr;
  const Column* spec = nullptr;
  double cap_to_mAh = 0;
  for (const auto& c : t.columns()) {
    const auto nu = split_name_unit(c.name);
    if (nu.stem == "capacity")
      if (auto f = unit_factor(nu.unit, "mAh")) cap = &c, cap_to_mAh = *f;
    if (nu.stem == "spec cap" && nu.unit == "mAh/g") spec = &c;
  }
  if (!cap || !spec) return std::nullopt;
  std::vector<double> ratio;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const double q = std::fabs(cap->values[i]) * cap_to_mAh, s = std::fabs(spec->values[i]);
    // Only rows where the rounded specific capacity is precise to 1e-4.
    if (std::isfinite(q) && std::isfinite(s) && s > 100) ratio.push_back(q / s);
  }
  if (ratio.size() < 3) return std::nullopt;
  std::nth_element(ratio.begin(), ratio.begin() + static_cast<std::ptrdiff_t>(ratio.size() / 2), ratio.end());
  return ratio[ratio.size() / 2];
}

}  // namespace

Table read_neware_csv(const std::filesystem::path& path) {
  const std::string file = path.string();
  const auto bytes = read_file_bytes(path, "Neware BTSDA CSV");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto lines = split_lines(text);
  std::size_t names_line = lines.size();
  for (std::size_t i = 0; i < std::min<std::size_t>(lines.size(), 20); ++i)
    if (lines[i].find("Step Type") != std::string_view::npos) {
      names_line = i;
      break;
    }
  if (names_line == lines.size()) throw Error(file, "neware-csv", "no column line with 'Step Type' in the first 20 lines");
  Table t;
  t.meta.source_file = file;
  t.meta.format = "neware-csv";
  t.meta.instrument = "Neware BTS (BTSDA export)";
  parse_named_rows(lines, names_line, detect_delimiter(lines[names_line]), t);
  ColumnMapping m;
  // In BTSDA exports "Time" is the step time; the test time is "Cumulative Time" or
  // "Total Time".
  if (t.find_text("Time") || t.find("Time")) {
    if (t.find_text("Cumulative Time") || t.find("Cumulative Time"))
      m.explicit_sources["time_s"] = "Cumulative Time";
    else if (t.find_text("Total Time") || t.find("Total Time"))
      m.explicit_sources["time_s"] = "Total Time";
    m.explicit_sources["step_time_s"] = "Time";
  }
  add_common_columns_by_name(t, m);
  if (!t.has("time_s")) throw Error(file, t.meta.format, "no test-time column (Cumulative Time, Total Time or Date)");
  if (!t.has("voltage_V") || !t.has("current_A")) throw Error(file, t.meta.format, "no voltage or current column");
  if (auto m_g = mass_from_specific_capacity(t)) {
    t.meta.active_mass_g = *m_g;
    t.meta.extra["active_mass_source"] = "Capacity / Spec. Cap. of the export";
  }
  return t;
}

}  // namespace castor::io
