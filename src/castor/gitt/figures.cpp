#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/gitt/gitt_report.h"

namespace castor::gitt {

std::vector<report::Figure> figures(const Table& t, const GittResult& r, const std::string& title) {
  report::Figure e, d;
  e.title = "GITT - " + title;
  e.warnings = t.meta.warnings;
  e.warnings.insert(e.warnings.end(), r.warnings.begin(), r.warnings.end());
  e.xlabel = "Time (h)";
  e.ylabel = "Voltage (V)";
  report::Series sv{"voltage", {}, {}, "lines", false};
  const auto& tt = t.values(col::time_s);
  const auto& vv = t.values(col::voltage_V);
  for (std::size_t i = 0; i < t.rows(); ++i) sv.x.push_back(tt[i] / 3600), sv.y.push_back(vv[i]);
  e.series.push_back(sv);
  d.title = "Diffusion coefficient (Weppner-Huggins)";
  d.xlabel = "SOC of the titration (%)";
  d.ylabel = "D (cm2/s)";
  d.log_y = true;
  for (Direction dir : {Direction::discharge, Direction::charge})
    for (bool valid : {true, false}) {
      report::Series s{fmt::format("{} {}", to_string(dir), valid ? "valid" : "flagged"),
                       {},
                       {},
                       valid ? "points pt 7 ps 1" : "points pt 6 ps 1",
                       false};
      for (const auto& p : r.pulses)
        if (p.direction == dir && p.valid == valid && p.D_cm2_s > 0) s.x.push_back(100 * p.soc), s.y.push_back(p.D_cm2_s);
      if (!s.x.empty()) d.series.push_back(s);
    }
  if (d.series.empty()) return {e};
  return {e, d};
}

}  // namespace castor::gitt
