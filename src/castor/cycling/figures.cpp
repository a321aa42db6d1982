#include "castor/cycling/figures.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/cycling/capacity.h"

namespace castor::cycling {

report::Figure profile_figure(const Table& t, const CyclingResult& r, const std::vector<int>& cycles) {
  report::Figure f;
  f.title = "Voltage profile";
  f.xlabel = r.mass ? "Specific capacity (mAh/g)" : "Capacity (mAh)";
  f.ylabel = "Voltage (V)";
  const auto& v = t.values(col::voltage_V);
  for (const auto& c : r.cycles) {
    if (!cycles.empty() && std::find(cycles.begin(), cycles.end(), c.cycle) == cycles.end()) continue;
    for (std::size_t idx : c.halves) {
      const auto& h = r.half_cycles[idx];
      report::Series s;
      s.title = fmt::format("cycle {} {}", c.cycle, h.direction > 0 ? "charge" : "discharge");
      double offset = 0;
      for (std::size_t si : h.steps) {
        const auto& st = r.steps[si].step;
        const auto q = running_capacity_mAh(t, st);
        for (std::size_t i = 0; i < q.size(); ++i) {
          s.x.push_back(r.mass ? (offset + q[i]) / r.mass->grams : offset + q[i]);
          s.y.push_back(v[st.begin + i]);
        }
        offset += q.empty() ? 0 : q.back();
      }
      f.series.push_back(std::move(s));
    }
  }
  return f;
}

report::Figure dqdv_figure(const std::vector<DqdvCurve>& curves, const std::vector<std::string>& titles) {
  report::Figure f;
  f.title = curves.empty() ? "dQ/dV" : fmt::format("dQ/dV ({})", curves.front().method);
  f.xlabel = "Voltage (V)";
  f.ylabel = curves.empty() ? "dQ/dV" : fmt::format("dQ/dV ({}/V)", curves.front().capacity_unit);
  for (std::size_t k = 0; k < curves.size(); ++k) {
    report::Series s;
    s.title = k < titles.size() ? titles[k] : fmt::format("curve {}", k + 1);
    s.x = curves[k].voltage_V;
    s.y = curves[k].dqdv;
    f.series.push_back(std::move(s));
    if (!curves[k].peaks.empty()) {
      report::Series p;
      p.title = fmt::format("peak {:.3f} V", curves[k].peaks.front().voltage_V);
      p.style = "points pt 7 ps 1.2";
      const double sign = curves[k].direction > 0 ? 1 : -1;
      p.x = {curves[k].peaks.front().voltage_V};
      p.y = {sign * curves[k].peaks.front().height};
      f.series.push_back(std::move(p));
    }
  }
  return f;
}

report::Figure capacity_figure(const CyclingResult& r) {
  report::Figure f;
  f.title = "Capacity and coulombic efficiency";
  f.xlabel = "Cycle";
  f.ylabel = r.mass ? "Specific capacity (mAh/g)" : "Capacity (mAh)";
  f.y2label = "Coulombic efficiency (%)";
  report::Series ch{"charge", {}, {}, "linespoints pt 7 ps 0.8", false};
  report::Series dis{"discharge", {}, {}, "linespoints pt 5 ps 0.8", false};
  report::Series ce{"coulombic efficiency", {}, {}, "linespoints pt 6 ps 0.8 dt 2", true};
  for (const auto& c : r.cycles) {
    const double x = c.cycle;
    auto q = [&](double mAh) { return r.mass ? mAh / r.mass->grams : mAh; };
    if (c.charge_mAh > 0) ch.x.push_back(x), ch.y.push_back(q(c.charge_mAh));
    if (c.discharge_mAh > 0) dis.x.push_back(x), dis.y.push_back(q(c.discharge_mAh));
    // Flagged CE values (partial, unfinished, above 100 %) are not drawn: one would set the axis.
    const bool trusted = std::none_of(c.flags.begin(), c.flags.end(), [](const std::string& fl) {
      return fl == "partial" || fl == "unfinished" || fl == "ce>100%" || fl == "no-charge-or-discharge" ||
             fl == "coarse-sampling";
    });
    if (std::isfinite(c.coulombic_efficiency) && trusted) ce.x.push_back(x), ce.y.push_back(100 * c.coulombic_efficiency);
    else if (!c.flags.empty()) f.warnings.push_back(fmt::format("cycle {}: {} (CE not drawn)", c.cycle, c.flags.front()));
  }
  f.series = {ch, dis, ce};
  return f;
}

}  // namespace castor::cycling
