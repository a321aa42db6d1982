#include "castor/cycling/cycling_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::cycling {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class Row, class F>
std::vector<double> numbers(const std::vector<Row>& rows, F field) {
  std::vector<double> v;
  v.reserve(rows.size());
  for (const auto& r : rows) v.push_back(field(r));
  return v;
}

template <class Row, class F>
std::vector<std::string> texts(const std::vector<Row>& rows, F field) {
  std::vector<std::string> v;
  v.reserve(rows.size());
  for (const auto& r : rows) v.push_back(field(r));
  return v;
}

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : sep) + i;
  return s;
}

// The last cycle that has both directions (the one a retention or a final CE is quoted for).
const CycleRow* last_complete(const std::vector<CycleRow>& cycles) {
  for (auto it = cycles.rbegin(); it != cycles.rend(); ++it)
    if (std::isfinite(it->coulombic_efficiency)) return &*it;
  return nullptr;
}

const CycleRow* first_complete(const std::vector<CycleRow>& cycles) {
  for (const auto& c : cycles)
    if (std::isfinite(c.coulombic_efficiency)) return &c;
  return nullptr;
}

}  // namespace

report::Report to_report(const CyclingResult& r) {
  report::Report rep;
  rep.analysis = "cycling";
  rep.source = r.source_file;
  const char* qu = r.mass ? "mAh/g" : "mAh";
  rep.summary =
      fmt::format("{} steps, {} half-cycles, {} cycles (first: {}); {}", r.steps.size(), r.half_cycles.size(), r.cycles.size(),
                  to_string(r.first_direction),
                  r.mass ? fmt::format("active mass {:.6g} mg ({})", r.mass->grams * 1e3, r.mass->how) : "no active mass: mAh only");
  if (!r.cycle_rule.empty()) rep.notes.push_back("cycles: " + r.cycle_rule);
  if (!r.ce_convention.empty()) rep.notes.push_back(fmt::format("CE = {} ({})", r.ce_convention, r.ce_reason));
  for (const auto& n : r.notes) rep.notes.push_back(n);
  rep.warnings = r.warnings;

  // Headline values.
  auto add = [&](std::string name, std::string label, double value, std::string unit, std::string note, double err = kNaN) {
    rep.values.push_back({std::move(name), std::move(label), value, std::move(unit), std::move(note), err});
  };
  add("cycles", "cycles", double(r.cycles.size()), "", r.cycle_rule);
  const CycleRow* first = first_complete(r.cycles);
  const CycleRow* last = last_complete(r.cycles);
  if (first && last) {
    const std::string fnote = fmt::format("cycle {}", first->cycle), lnote = fmt::format("cycle {}", last->cycle);
    add("first_discharge_capacity", "first discharge capacity", first->discharge_mAh, "mAh", fnote);
    add("last_discharge_capacity", "last discharge capacity", last->discharge_mAh, "mAh", lnote);
    if (r.mass) {
      add("first_discharge_specific_capacity", "first discharge capacity", r.specific(first->discharge_mAh), qu, fnote);
      add("last_discharge_specific_capacity", "last discharge capacity", r.specific(last->discharge_mAh), qu, lnote);
    }
    add("first_coulombic_efficiency", "first CE", first->coulombic_efficiency, "", fnote + ", " + r.ce_convention,
        first->coulombic_efficiency_error);
    add("last_coulombic_efficiency", "last CE", last->coulombic_efficiency, "", lnote + ", " + r.ce_convention,
        last->coulombic_efficiency_error);
    add("retention", "retention", last->retention, "", fmt::format("{} against the first cycle, first half", lnote));
  } else {
    rep.warnings.push_back("no cycle with both a charge and a discharge: no CE, retention or capacity is quoted");
  }

  const auto& c = r.cycles;
  report::ReportTable cycles;
  cycles.name = "cycles";
  cycles.add_numbers("cycle", "", numbers(c, [](const CycleRow& x) { return double(x.cycle); }), "{:.0f}");
  cycles.add_numbers("file_cycle", "", numbers(c, [](const CycleRow& x) { return x.file_cycle; }), "{:.0f}").in_text = false;
  cycles.add_numbers("charge_capacity", "mAh", numbers(c, [](const CycleRow& x) { return x.charge_mAh; }), "{:.5g}");
  cycles.add_numbers("discharge_capacity", "mAh", numbers(c, [](const CycleRow& x) { return x.discharge_mAh; }), "{:.5g}");
  if (r.mass) {
    cycles.add_numbers("charge_specific_capacity", "mAh/g", numbers(c, [&](const CycleRow& x) { return r.specific(x.charge_mAh); }),
                       "{:.5g}");
    cycles.add_numbers("discharge_specific_capacity", "mAh/g", numbers(c, [&](const CycleRow& x) { return r.specific(x.discharge_mAh); }),
                       "{:.5g}");
  }
  cycles.add_numbers("coulombic_efficiency", "", numbers(c, [](const CycleRow& x) { return x.coulombic_efficiency; }), "{:.2f}", "CE %",
                     100);
  cycles.add_numbers("coulombic_efficiency_error", "", numbers(c, [](const CycleRow& x) { return x.coulombic_efficiency_error; })).in_text =
      false;
  cycles.add_numbers("average_charge_voltage", "V", numbers(c, [](const CycleRow& x) { return x.average_charge_V; }), "{:.4f}");
  cycles.add_numbers("average_discharge_voltage", "V", numbers(c, [](const CycleRow& x) { return x.average_discharge_V; }), "{:.4f}");
  cycles.add_numbers("charge_energy", "mWh", numbers(c, [](const CycleRow& x) { return x.charge_energy_mWh; })).in_text = false;
  cycles.add_numbers("discharge_energy", "mWh", numbers(c, [](const CycleRow& x) { return x.discharge_energy_mWh; })).in_text = false;
  cycles.add_numbers("cumulative_loss", "mAh", numbers(c, [](const CycleRow& x) { return x.cumulative_loss_mAh; })).in_text = false;
  cycles.add_numbers("retention", "", numbers(c, [](const CycleRow& x) { return x.retention; }), "{:.4f}");
  cycles.add_numbers("hysteresis", "V", numbers(c, [](const CycleRow& x) { return x.hysteresis ? x.hysteresis->value_V : kNaN; }),
                     "{:.4f}");
  cycles
      .add_texts("hysteresis_method",
                 texts(c,
                       [](const CycleRow& x) {
                         return std::string(!x.hysteresis ? "" : x.hysteresis->method == HysteresisMethod::soc50 ? "soc50" : "dqdv-peaks");
                       }))
      .in_text = false;
  cycles.add_numbers("flatness_mean", "", numbers(c, [](const CycleRow& x) { return x.flatness_mean; })).in_text = false;
  cycles.add_texts("flags", texts(c, [](const CycleRow& x) { return joined(x.flags, ";"); }));

  const auto& h = r.half_cycles;
  report::ReportTable halves;
  halves.name = "half_cycles";
  halves.in_text = false;
  halves.add_numbers("half_cycle", "", numbers(h, [](const HalfCycleRow& x) { return double(x.number); }), "{:.0f}");
  halves.add_texts("direction", texts(h, [](const HalfCycleRow& x) { return std::string(to_string(x.direction)); }));
  halves.add_numbers("capacity", "mAh", numbers(h, [](const HalfCycleRow& x) { return x.capacity_mAh; }));
  if (r.mass)
    halves.add_numbers("specific_capacity", "mAh/g", numbers(h, [&](const HalfCycleRow& x) { return r.specific(x.capacity_mAh); }));
  halves.add_numbers("capacity_error", "mAh", numbers(h, [](const HalfCycleRow& x) { return x.capacity_error_mAh; }));
  halves.add_numbers("energy", "mWh", numbers(h, [](const HalfCycleRow& x) { return x.energy_mWh; }));
  halves.add_numbers("average_voltage", "V", numbers(h, [](const HalfCycleRow& x) { return x.average_voltage_V; }));
  halves.add_numbers("current", "A", numbers(h, [](const HalfCycleRow& x) { return x.current_A; }));

  const auto& s = r.steps;
  report::ReportTable steps;
  steps.name = "steps";
  steps.in_text = false;
  steps.add_numbers("step", "", numbers(s, [](const StepRow& x) { return double(x.step.index); }), "{:.0f}");
  steps.add_numbers("file_cycle", "", numbers(s, [](const StepRow& x) { return x.step.file_cycle; }));
  steps.add_numbers("file_step", "", numbers(s, [](const StepRow& x) { return x.step.file_step; }));
  steps.add_texts("kind", texts(s, [](const StepRow& x) { return std::string(to_string(x.step.kind)); }));
  steps.add_numbers("rows", "", numbers(s, [](const StepRow& x) { return double(x.step.rows()); }));
  steps.add_numbers("start_time", "s", numbers(s, [](const StepRow& x) { return x.start_time_s; }));
  steps.add_numbers("duration", "s", numbers(s, [](const StepRow& x) { return x.step.duration_s; }));
  steps.add_numbers("mean_current", "A", numbers(s, [](const StepRow& x) { return x.step.mean_current_A; }));
  steps.add_numbers("capacity", "mAh", numbers(s, [](const StepRow& x) { return x.charge.capacity_mAh; }));
  steps.add_numbers("energy", "mWh", numbers(s, [](const StepRow& x) { return x.charge.energy_mWh; }));
  steps.add_numbers("average_voltage", "V", numbers(s, [](const StepRow& x) { return x.charge.average_voltage_V; }));
  steps.add_numbers("start_voltage", "V", numbers(s, [](const StepRow& x) { return x.charge.start_voltage_V; }));
  steps.add_numbers("end_voltage", "V", numbers(s, [](const StepRow& x) { return x.charge.end_voltage_V; }));
  steps.add_texts("capacity_source", texts(s, [](const StepRow& x) { return std::string(x.from_counter ? "file counter" : "integral"); }));

  const auto& q = r.rates;
  report::ReportTable rates;
  rates.name = "rates";
  rates.add_texts("direction", texts(q, [](const RateRow& x) { return std::string(to_string(x.direction)); }));
  rates.add_numbers("current", "mA", numbers(q, [](const RateRow& x) { return x.current_mA; }), "{:.4g}");
  rates.add_numbers("half_cycles", "", numbers(q, [](const RateRow& x) { return double(x.half_cycles.size()); }), "{:.0f}");
  rates.add_numbers("mean_capacity", "mAh", numbers(q, [](const RateRow& x) { return x.mean_capacity_mAh; }), "{:.5g}");
  rates.add_numbers("last_capacity", "mAh", numbers(q, [](const RateRow& x) { return x.last_capacity_mAh; }), "{:.5g}");

  rep.tables.push_back(std::move(cycles));
  rep.tables.push_back(std::move(halves));
  rep.tables.push_back(std::move(steps));
  rep.tables.push_back(std::move(rates));
  return rep;
}

std::vector<TitledDqdv> dqdv_of_cycle(const Table& t, const CyclingResult& r, int n, const DqdvOptions& o) {
  const auto it = std::find_if(r.cycles.begin(), r.cycles.end(), [&](const CycleRow& c) { return c.cycle == n; });
  if (it == r.cycles.end())
    throw Error(t.meta.source_file, t.meta.format,
                fmt::format("cycle {} does not exist: the run has cycles {}..{} ({})", n, r.cycles.empty() ? 0 : r.cycles.front().cycle,
                            r.cycles.empty() ? 0 : r.cycles.back().cycle, r.cycle_rule),
                ErrorKind::usage);
  std::vector<TitledDqdv> out;
  for (auto idx : {it->first, it->second}) {
    if (!idx) continue;
    const auto& h = r.half_cycles[*idx];
    const auto& step = r.steps[h.main_step].step;
    out.emplace_back(fmt::format("cycle {} {}", n, h.direction == Direction::charge ? "charge" : "discharge"),
                     dqdv_of_step(t, step, o, r.mass ? std::optional<double>(r.mass->grams) : std::nullopt));
  }
  return out;
}

report::Report to_report(const std::vector<TitledDqdv>& curves, const std::string& source) {
  report::Report rep;
  rep.analysis = "dqdv";
  rep.source = source;
  const std::string unit = curves.empty() ? "mAh" : curves.front().second.capacity_unit;
  rep.summary = fmt::format("dQ/dV of {} half-cycle(s), capacity in {}", curves.size(), unit);
  std::vector<std::string> curve, peak_curve;
  std::vector<double> v, q, d, pv, ph, pp;
  for (const auto& [title, c] : curves) {
    rep.notes.push_back(fmt::format("{}: {}", title, c.method));
    if (c.peaks.empty()) rep.notes.push_back(fmt::format("{}: no peak above the prominence threshold", title));
    for (std::size_t i = 0; i < c.voltage_V.size(); ++i) {
      curve.push_back(title);
      v.push_back(c.voltage_V[i]);
      q.push_back(c.capacity[i]);
      d.push_back(c.dqdv[i]);
    }
    for (const auto& p : c.peaks) {
      peak_curve.push_back(title);
      pv.push_back(p.voltage_V);
      ph.push_back(p.height);
      pp.push_back(p.prominence);
    }
  }
  report::ReportTable peaks;
  peaks.name = "peaks";
  peaks.add_texts("curve", peak_curve);
  peaks.add_numbers("voltage", "V", pv, "{:.4f}");
  peaks.add_numbers("height", unit + "/V", ph, "{:.5g}", "|dQ/dV| " + unit + "/V");
  peaks.add_numbers("prominence", unit + "/V", pp, "{:.4g}");
  report::ReportTable table;
  table.name = "curves";
  table.in_text = false;
  table.add_texts("curve", curve);
  table.add_numbers("voltage", "V", v);
  table.add_numbers("capacity", unit, q);
  table.add_numbers("dqdv", unit + "/V", d);
  rep.tables.push_back(std::move(peaks));
  rep.tables.push_back(std::move(table));
  return rep;
}

}  // namespace castor::cycling
