#include "castor/cycling/figures.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/cycling/capacity.h"
#include "castor/report/style.h"

namespace castor::cycling {
namespace {

const std::string& colour(std::size_t k) {
  const auto& c = report::style().colours;
  return c[k % c.size()];
}

bool specific_for_all(const std::vector<Cell>& cells) {
  return std::all_of(cells.begin(), cells.end(), [](const Cell& c) { return c.result->mass.has_value(); });
}

// The half-cycle's capacity (mAh or mAh/g) and voltage, step after step.
report::Series half_cycle_curve(const Table& t, const CyclingResult& r, const HalfCycleRow& h, bool specific) {
  report::Series s;
  const auto& v = t.values(col::voltage_V);
  double offset = 0;
  for (std::size_t si : h.steps) {
    const auto& st = r.steps[si].step;
    const auto q = running_capacity_mAh(t, st);
    for (std::size_t i = 0; i < q.size(); ++i) {
      s.x.push_back(specific ? (offset + q[i]) / r.mass->grams : offset + q[i]);
      s.y.push_back(v[st.begin + i]);
    }
    offset += q.empty() ? 0 : q.back();
  }
  return s;
}

bool ce_trusted(const CycleRow& c) {
  return std::none_of(c.flags.begin(), c.flags.end(), [](const std::string& fl) {
    return fl == "partial" || fl == "unfinished" || fl == "ce>100%" || fl == "no-charge-or-discharge" || fl == "coarse-sampling";
  });
}

}  // namespace

report::Figure profile_figure(const std::vector<Cell>& cells, const std::vector<int>& cycles) {
  report::Figure f;
  f.title = "Voltage profile";
  const bool specific = specific_for_all(cells);
  f.xlabel = specific ? "Specific capacity (mAh/g)" : "Capacity (mAh)";
  f.ylabel = "Voltage (V)";
  const bool one = cells.size() == 1;
  for (std::size_t ci = 0; ci < cells.size(); ++ci) {
    const auto& cell = cells[ci];
    const auto& r = *cell.result;
    std::vector<const CycleRow*> drawn;
    for (const auto& c : r.cycles) {
      if (c.halves.empty()) continue;
      if (!cycles.empty() && std::find(cycles.begin(), cycles.end(), c.cycle) == cycles.end()) continue;
      drawn.push_back(&c);
    }
    if (cycles.empty() && !one) {  // several cells: the first complete cycle of each
      const auto it = std::find_if(drawn.begin(), drawn.end(), [](const CycleRow* c) { return c->first && c->second; });
      drawn = it == drawn.end() ? std::vector<const CycleRow*>{} : std::vector<const CycleRow*>{*it};
    }
    const bool mapped = one && drawn.size() > 6;
    if (mapped) f.colour_label = "Cycle";
    for (std::size_t k = 0; k < drawn.size(); ++k) {
      const auto& c = *drawn[k];
      bool titled = false;
      for (std::size_t idx : c.halves) {
        auto s = half_cycle_curve(*cell.table, r, r.half_cycles[idx], specific);
        if (mapped)
          s.colour_value = c.cycle;
        else
          s.colour = colour(one ? k : ci);
        if (!titled) s.title = one ? fmt::format("cycle {}", c.cycle) : fmt::format("{} cycle {}", cell.name, c.cycle);
        titled = true;
        f.series.push_back(std::move(s));
      }
    }
  }
  return f;
}

report::Figure profile_figure(const Table& t, const CyclingResult& r, const std::vector<int>& cycles) {
  return profile_figure(std::vector<Cell>{{r.source_file, &t, &r}}, cycles);
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
    s.colour = colour(k);
    f.series.push_back(std::move(s));
    if (!curves[k].peaks.empty()) {
      report::Series p;
      p.title = fmt::format("peak {:.3f} V", curves[k].peaks.front().voltage_V);
      p.style = "points pt 7 ps 1.2";
      p.colour = colour(k);
      const double sign = curves[k].direction == Direction::charge ? 1 : -1;
      p.x = {curves[k].peaks.front().voltage_V};
      p.y = {sign * curves[k].peaks.front().height};
      f.series.push_back(std::move(p));
    }
  }
  return f;
}

report::Figure capacity_figure(const std::vector<Cell>& cells) {
  report::Figure f;
  f.title = "Capacity and coulombic efficiency";
  f.xlabel = "Cycle";
  const bool specific = specific_for_all(cells);
  f.ylabel = specific ? "Specific capacity (mAh/g)" : "Capacity (mAh)";
  f.y2label = "Coulombic efficiency (%)";
  const bool one = cells.size() == 1;
  for (std::size_t ci = 0; ci < cells.size(); ++ci) {
    const auto& r = *cells[ci].result;
    const std::string who = one ? "" : cells[ci].name + " ";
    report::Series ch{who + "charge", {}, {}, "linespoints pt 7 ps 0.7", false};
    report::Series dis{who + "discharge", {}, {}, "linespoints pt 5 ps 0.7", false};
    report::Series ce{who + "CE (" + r.ce_convention + ")", {}, {}, "linespoints pt 6 ps 0.7 dt 2", true};
    if (one)
      ch.colour = colour(0), dis.colour = colour(1), ce.colour = colour(2);
    else
      ch.colour = dis.colour = ce.colour = colour(ci);
    for (const auto& c : r.cycles) {
      const double x = c.cycle;
      auto q = [&](double mAh) { return specific ? mAh / r.mass->grams : mAh; };
      if (c.charge_mAh > 0) ch.x.push_back(x), ch.y.push_back(q(c.charge_mAh));
      if (c.discharge_mAh > 0) dis.x.push_back(x), dis.y.push_back(q(c.discharge_mAh));
      // Flagged CE values are not drawn: one would set the axis.
      if (std::isfinite(c.coulombic_efficiency) && ce_trusted(c))
        ce.x.push_back(x), ce.y.push_back(100 * c.coulombic_efficiency);
      else if (!c.flags.empty())
        f.warnings.push_back(fmt::format("{}cycle {}: {} (CE not drawn)", who, c.cycle, c.flags.front()));
    }
    f.series.push_back(std::move(ch));
    f.series.push_back(std::move(dis));
    f.series.push_back(std::move(ce));
  }
  return f;
}

report::Figure capacity_figure(const CyclingResult& r) {
  static const Table empty;
  return capacity_figure(std::vector<Cell>{{r.source_file, &empty, &r}});
}

report::Figure rate_figure(const std::vector<Cell>& cells) {
  report::Figure f;
  f.title = "Rate capability";
  const bool specific = specific_for_all(cells);
  f.xlabel = specific ? "Specific current (mA/g)" : "Current (mA)";
  f.ylabel = specific ? "Mean specific capacity (mAh/g)" : "Mean capacity (mAh)";
  f.log_x = true;
  const bool one = cells.size() == 1;
  for (std::size_t ci = 0; ci < cells.size(); ++ci) {
    const auto& r = *cells[ci].result;
    const std::string who = one ? "" : cells[ci].name + " ";
    for (Direction dir : {Direction::discharge, Direction::charge}) {
      std::vector<const RateRow*> rows;
      for (const auto& rate : r.rates)
        if (rate.direction == dir && rate.current_mA > 0) rows.push_back(&rate);
      std::sort(rows.begin(), rows.end(), [](const RateRow* a, const RateRow* b) { return a->current_mA < b->current_mA; });
      report::Series s{who + std::string(to_string(dir)),
                       {},
                       {},
                       dir == Direction::charge ? "linespoints pt 7 ps 0.9" : "linespoints pt 5 ps 0.9",
                       false};
      s.colour = one ? colour(dir == Direction::charge ? 0 : 1) : colour(ci);
      if (!one && dir == Direction::charge) s.style += " dt 2";
      for (const auto* rate : rows) {
        s.x.push_back(specific ? rate->current_mA / r.mass->grams : rate->current_mA);
        s.y.push_back(specific ? rate->mean_capacity_mAh / r.mass->grams : rate->mean_capacity_mAh);
      }
      if (!s.x.empty()) f.series.push_back(std::move(s));
    }
  }
  return f;
}

}  // namespace castor::cycling
