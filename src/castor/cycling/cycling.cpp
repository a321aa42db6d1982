#include "castor/cycling/cycling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor::cycling {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_cc(StepKind k) { return k == StepKind::cc_charge || k == StepKind::cc_discharge; }

nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

std::string csv_num(double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : ""; }

const char* dir_name(int d) { return d > 0 ? "charge" : d < 0 ? "discharge" : "none"; }
}  // namespace

double CyclingResult::specific(double mAh) const { return mass ? mAh / mass->grams : kNaN; }

std::vector<std::string> mass_warnings(const ActiveMass& m, double largest_mAh) {
  std::vector<std::string> w;
  const double mg = m.grams * 1e3;
  if (std::fabs(mg - 0.001) < 1e-9)
    w.push_back(fmt::format("the active mass {} is 0.001 mg, EC-Lab's placeholder for 'not entered': specific capacities are "
                            "meaningless; give the real mass with --mass-mg",
                            m.how));
  if (largest_mAh > 0 && m.grams > 0) {
    const double q = largest_mAh / m.grams;
    if (q > 4000 || q < 1)
      w.push_back(fmt::format("the active mass {:.6g} mg ({}) gives a specific capacity of {:.4g} mAh/g, outside the plausible "
                              "1-4000 mAh/g: check the mass (--mass-mg)",
                              mg, m.how, q));
  }
  return w;
}

namespace {
// The per-rate table (half cycles grouped by their mean constant current) and the mass
// plausibility warnings, shared by both cycling evaluations.
void add_rates_and_mass_checks(CyclingResult& r, const CyclingOptions& o) {
  for (const auto& h : r.half_cycles) {
    if (!std::isfinite(h.current_A)) continue;
    const double mA = h.current_A * 1e3;
    RateRow* match = nullptr;
    for (auto& rate : r.rates)
      if (rate.direction == h.direction && std::fabs(rate.current_mA - mA) <= o.rate_tolerance * rate.current_mA)
        match = &rate;
    if (!match) {
      r.rates.push_back(RateRow{h.direction, mA, {}, 0, 0});
      match = &r.rates.back();
    }
    match->half_cycles.push_back(h.number);
    const double n = static_cast<double>(match->half_cycles.size());
    match->mean_capacity_mAh += (h.capacity_mAh - match->mean_capacity_mAh) / n;
    match->last_capacity_mAh = h.capacity_mAh;
  }
  if (r.mass) {
    double largest = 0;
    for (const auto& h : r.half_cycles) largest = std::max(largest, h.capacity_mAh);
    for (auto& w : mass_warnings(*r.mass, largest)) r.warnings.push_back(std::move(w));
  }
}

// The result's source, the file's warnings and the active mass (given, else the file's).
CyclingResult start_result(const Table& t, const CyclingOptions& o) {
  CyclingResult r;
  r.source_file = t.meta.source_file;
  for (const auto& w : t.meta.warnings) r.warnings.push_back("file: " + w);
  if (o.mass) r.mass = o.mass;
  else if (t.meta.active_mass_g && *t.meta.active_mass_g > 0)
    r.mass = ActiveMass{*t.meta.active_mass_g, fmt::format("{:g} mg from the file", *t.meta.active_mass_g * 1e3)};
  else r.notes.push_back("no active mass given or stored in the file: capacities in mAh only");
  return r;
}

}  // namespace

CyclingResult analyse_cycling(const Table& t, const CyclingOptions& o) {
  if (t.meta.layout == TableLayout::half_cycles) return analyse_half_cycle_table(t, o);
  for (auto c : {col::time_s, col::voltage_V, col::current_A})
    if (!t.has(c))
      throw Error(t.meta.source_file, t.meta.format,
                  fmt::format("cycling analysis needs a {} column; the file gives none", c));
  CyclingResult r = start_result(t, o);

  const auto steps = find_steps(t, o.segments);
  const auto& time = t.values(col::time_s);
  for (const auto& s : steps) r.steps.push_back({s, step_charge(t, s), time[s.begin]});

  const auto halves = find_half_cycles(steps);
  for (std::size_t h = 0; h < halves.size(); ++h) {
    HalfCycleRow row;
    row.number = static_cast<int>(h) + 1;
    row.direction = halves[h].direction;
    row.steps = halves[h].steps;
    double cc_charge_mAh = 0, cc_time = 0, best = -1;
    bool have_cc = false;
    for (std::size_t s : row.steps) {
      const auto& sr = r.steps[s];
      row.capacity_mAh += sr.charge.capacity_mAh;
      row.energy_mWh += sr.charge.energy_mWh;
      if (is_cc(sr.step.kind)) {
        cc_charge_mAh += sr.charge.capacity_mAh;
        cc_time += sr.step.duration_s;
        if (!have_cc || sr.charge.capacity_mAh > best) row.main_step = s, best = sr.charge.capacity_mAh;
        have_cc = true;
      } else if (!have_cc && sr.charge.capacity_mAh > best) {
        row.main_step = s, best = sr.charge.capacity_mAh;
      }
    }
    row.average_voltage_V = row.capacity_mAh > 0 ? row.energy_mWh / row.capacity_mAh : kNaN;
    row.current_A = cc_time > 0 ? cc_charge_mAh * 3.6 / cc_time : kNaN;
    try {
      row.flatness = plateau_flatness(t, steps[row.main_step], r.mass ? std::optional<double>(r.mass->grams) : std::nullopt,
                                      o.flatness_soc_low, o.flatness_soc_high);
    } catch (const Error& e) {
      row.flatness_note = e.what();
    }
    r.half_cycles.push_back(std::move(row));
  }
  if (r.half_cycles.empty()) {
    r.notes.push_back("no charge or discharge step found: no cycles");
    return r;
  }
  r.first_direction = r.half_cycles.front().direction;

  double cumulative = 0;
  const double first_capacity = r.half_cycles.front().capacity_mAh;
  for (std::size_t k = 0; 2 * k < r.half_cycles.size(); ++k) {
    CycleRow c;
    c.cycle = static_cast<int>(k) + 1;
    c.first = 2 * k;
    if (2 * k + 1 < r.half_cycles.size()) c.second = 2 * k + 1;
    const auto& a = r.half_cycles[*c.first];
    c.file_cycle = steps[a.steps.front()].file_cycle;
    c.charge_mAh = c.discharge_mAh = 0;
    c.average_charge_V = c.average_discharge_V = kNaN;
    for (std::size_t idx = 2 * k; idx < std::min(2 * k + 2, r.half_cycles.size()); ++idx) {
      const auto& h = r.half_cycles[idx];
      if (h.direction > 0) {
        c.charge_mAh = h.capacity_mAh, c.charge_energy_mWh = h.energy_mWh, c.average_charge_V = h.average_voltage_V;
      } else {
        c.discharge_mAh = h.capacity_mAh, c.discharge_energy_mWh = h.energy_mWh,
        c.average_discharge_V = h.average_voltage_V;
      }
    }
    c.coulombic_efficiency = kNaN;
    c.flatness_mean = kNaN;
    if (c.second) {
      const auto& b = r.half_cycles[*c.second];
      c.coulombic_efficiency = a.capacity_mAh > 0 ? b.capacity_mAh / a.capacity_mAh : kNaN;
      cumulative += a.capacity_mAh - b.capacity_mAh;
      const auto& ch = a.direction > 0 ? a : b;
      const auto& dis = a.direction > 0 ? b : a;
      try {
        c.hysteresis = hysteresis(t, steps[ch.main_step], steps[dis.main_step], o.dqdv, o.hysteresis_soc50);
      } catch (const Error& e) {
        c.hysteresis_note = e.what();
      }
      if (a.flatness && b.flatness) c.flatness_mean = 0.5 * (a.flatness->endpoint_mV_per + b.flatness->endpoint_mV_per);
    } else {
      c.hysteresis_note = "cycle not finished";
    }
    c.cumulative_loss_mAh = cumulative;
    c.retention = first_capacity > 0 ? a.capacity_mAh / first_capacity : kNaN;
    r.cycles.push_back(std::move(c));
  }

  add_rates_and_mass_checks(r, o);
  return r;
}

CyclingResult analyse_half_cycle_table(const Table& t, const CyclingOptions& o) {
  for (auto c : {col::cycle, col::half_cycle_direction, col::half_cycle_capacity_mAh})
    if (!t.has(c))
      throw Error(t.meta.source_file, t.meta.format, fmt::format("half-cycle table lacks a {} column", c));
  CyclingResult r = start_result(t, o);
  r.notes.push_back("the file stores one row of totals per half cycle (no samples): half cycles and cycles are the "
                    "file's own; CE = discharge / charge within each file cycle; no steps, dQ/dV, hysteresis or "
                    "flatness");
  const auto& cyc = t.values(col::cycle);
  const auto& dir = t.values(col::half_cycle_direction);
  const auto& cap = t.values(col::half_cycle_capacity_mAh);
  const auto* energy = t.find(col::half_cycle_energy_mWh);
  const auto* duration = t.find(col::half_cycle_duration_s);
  for (std::size_t i = 0; i < t.rows(); ++i) {
    HalfCycleRow h;
    h.number = static_cast<int>(i) + 1;
    h.direction = dir[i] > 0 ? 1 : -1;
    h.capacity_mAh = cap[i];
    h.energy_mWh = energy ? energy->values[i] : kNaN;
    h.average_voltage_V = energy && cap[i] > 0 ? energy->values[i] / cap[i] : kNaN;
    h.current_A = duration && duration->values[i] > 0 ? cap[i] * 3.6 / duration->values[i] : kNaN;
    h.flatness_note = "the file holds no samples";
    r.half_cycles.push_back(std::move(h));
  }
  if (r.half_cycles.empty()) {
    r.notes.push_back("no half cycles in the table: no cycles");
    return r;
  }
  r.first_direction = r.half_cycles.front().direction;
  double cumulative = 0, first_capacity = kNaN;
  for (std::size_t i = 0; i < r.half_cycles.size();) {
    // The half cycles of one file cycle: consecutive rows with the same cycle number.
    std::size_t j = i;
    while (j < r.half_cycles.size() && cyc[j] == cyc[i]) ++j;
    CycleRow c;
    c.cycle = static_cast<int>(r.cycles.size()) + 1;
    c.file_cycle = cyc[i];
    c.first = i;
    if (j - i >= 2) c.second = i + 1;
    c.average_charge_V = c.average_discharge_V = kNaN;
    int charges = 0, discharges = 0;
    for (std::size_t k = i; k < j; ++k) {
      const auto& h = r.half_cycles[k];
      if (h.direction > 0) {
        ++charges;
        c.charge_mAh += h.capacity_mAh, c.charge_energy_mWh += h.energy_mWh, c.average_charge_V = h.average_voltage_V;
      } else {
        ++discharges;
        c.discharge_mAh += h.capacity_mAh, c.discharge_energy_mWh += h.energy_mWh,
            c.average_discharge_V = h.average_voltage_V;
      }
    }
    if (charges > 1 || discharges > 1) {
      r.warnings.push_back(fmt::format("file cycle {:g} holds {} charge and {} discharge half cycles: summed",
                                       c.file_cycle, charges, discharges));
      c.average_charge_V = c.average_discharge_V = kNaN;
    }
    c.coulombic_efficiency = charges && discharges && c.charge_mAh > 0 ? c.discharge_mAh / c.charge_mAh : kNaN;
    if (charges && discharges) cumulative += c.charge_mAh - c.discharge_mAh;
    c.cumulative_loss_mAh = cumulative;
    const double first_half = r.half_cycles[i].capacity_mAh;
    if (!std::isfinite(first_capacity)) first_capacity = first_half;
    c.retention = first_capacity > 0 ? first_half / first_capacity : kNaN;
    c.hysteresis_note = "the file holds no samples";
    c.flatness_mean = kNaN;
    r.cycles.push_back(std::move(c));
    i = j;
  }
  add_rates_and_mass_checks(r, o);
  return r;
}

void write_cycling_json(const CyclingResult& r, std::ostream& out) {
  nlohmann::json j;
  j["source_file"] = r.source_file;
  if (r.mass) j["active_mass"] = {{"g", r.mass->grams}, {"how", r.mass->how}};
  j["first_direction"] = dir_name(r.first_direction);
  j["notes"] = r.notes;
  j["warnings"] = r.warnings;
  auto& cycles = j["cycles"] = nlohmann::json::array();
  for (const auto& c : r.cycles) {
    nlohmann::json x = {{"cycle", c.cycle},
                        {"file_cycle", num(c.file_cycle)},
                        {"charge_mAh", c.charge_mAh},
                        {"discharge_mAh", c.discharge_mAh},
                        {"charge_mAh_g", num(r.specific(c.charge_mAh))},
                        {"discharge_mAh_g", num(r.specific(c.discharge_mAh))},
                        {"charge_energy_mWh", c.charge_energy_mWh},
                        {"discharge_energy_mWh", c.discharge_energy_mWh},
                        {"average_charge_V", num(c.average_charge_V)},
                        {"average_discharge_V", num(c.average_discharge_V)},
                        {"coulombic_efficiency", num(c.coulombic_efficiency)},
                        {"cumulative_loss_mAh", c.cumulative_loss_mAh},
                        {"retention", num(c.retention)},
                        {"flatness_mean", num(c.flatness_mean)}};
    if (c.hysteresis)
      x["hysteresis"] = {{"V", c.hysteresis->value_V},
                         {"charge_V", c.hysteresis->charge_V},
                         {"discharge_V", c.hysteresis->discharge_V},
                         {"method", c.hysteresis->method == HysteresisMethod::soc50 ? "soc50" : "dqdv-peaks"},
                         {"note", c.hysteresis->note}};
    else
      x["hysteresis"] = {{"note", c.hysteresis_note}};
    cycles.push_back(std::move(x));
  }
  auto& halves = j["half_cycles"] = nlohmann::json::array();
  for (const auto& h : r.half_cycles) {
    nlohmann::json x = {{"number", h.number},       {"direction", dir_name(h.direction)},
                        {"capacity_mAh", h.capacity_mAh}, {"capacity_mAh_g", num(r.specific(h.capacity_mAh))},
                        {"energy_mWh", h.energy_mWh}, {"average_voltage_V", num(h.average_voltage_V)},
                        {"current_mA", num(h.current_A * 1e3)}, {"steps", h.steps}};
    if (h.flatness)
      x["flatness"] = {{"endpoint", h.flatness->endpoint_mV_per},
                       {"least_squares", h.flatness->least_squares_mV_per},
                       {"unit", h.flatness->unit},
                       {"soc_window", {h.flatness->soc_low, h.flatness->soc_high}},
                       {"voltage_at_soc_low_V", h.flatness->voltage_low_soc_V},
                       {"voltage_at_soc_high_V", h.flatness->voltage_high_soc_V}};
    else
      x["flatness"] = {{"note", h.flatness_note}};
    halves.push_back(std::move(x));
  }
  auto& rates = j["rates"] = nlohmann::json::array();
  for (const auto& rate : r.rates)
    rates.push_back({{"direction", dir_name(rate.direction)},
                     {"current_mA", rate.current_mA},
                     {"specific_current_mA_g", num(r.mass ? rate.current_mA / r.mass->grams : kNaN)},
                     {"half_cycles", rate.half_cycles},
                     {"mean_capacity_mAh", rate.mean_capacity_mAh},
                     {"last_capacity_mAh", rate.last_capacity_mAh},
                     {"mean_capacity_mAh_g", num(r.specific(rate.mean_capacity_mAh))}});
  auto& steps = j["steps"] = nlohmann::json::array();
  for (const auto& s : r.steps)
    steps.push_back({{"index", s.step.index},
                     {"file_cycle", num(s.step.file_cycle)},
                     {"file_step", num(s.step.file_step)},
                     {"kind", to_string(s.step.kind)},
                     {"rows", s.step.rows()},
                     {"start_time_s", s.start_time_s},
                     {"duration_s", s.step.duration_s},
                     {"mean_current_A", s.step.mean_current_A},
                     {"capacity_mAh", s.charge.capacity_mAh},
                     {"energy_mWh", s.charge.energy_mWh},
                     {"average_voltage_V", num(s.charge.average_voltage_V)},
                     {"start_voltage_V", num(s.charge.start_voltage_V)},
                     {"end_voltage_V", num(s.charge.end_voltage_V)}});
  out << j.dump(2) << '\n';
}

void write_cycles_csv(const CyclingResult& r, std::ostream& out) {
  out << "cycle,file_cycle,charge_mAh,discharge_mAh,charge_mAh_g,discharge_mAh_g,coulombic_efficiency,"
         "average_charge_V,average_discharge_V,charge_energy_mWh,discharge_energy_mWh,cumulative_loss_mAh,"
         "retention,hysteresis_V,hysteresis_method,peak_charge_V,peak_discharge_V,flatness_mean\n";
  for (const auto& c : r.cycles) {
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},", c.cycle, csv_num(c.file_cycle), csv_num(c.charge_mAh),
                       csv_num(c.discharge_mAh), csv_num(r.specific(c.charge_mAh)), csv_num(r.specific(c.discharge_mAh)),
                       csv_num(c.coulombic_efficiency), csv_num(c.average_charge_V), csv_num(c.average_discharge_V),
                       csv_num(c.charge_energy_mWh), csv_num(c.discharge_energy_mWh), csv_num(c.cumulative_loss_mAh),
                       csv_num(c.retention));
    if (c.hysteresis)
      out << fmt::format("{},{},{},{},", csv_num(c.hysteresis->value_V),
                         c.hysteresis->method == HysteresisMethod::soc50 ? "soc50" : "dqdv-peaks",
                         csv_num(c.hysteresis->charge_V), csv_num(c.hysteresis->discharge_V));
    else
      out << ",,,,";
    out << csv_num(c.flatness_mean) << '\n';
  }
}

void write_steps_csv(const CyclingResult& r, std::ostream& out) {
  out << "index,file_cycle,file_step,kind,rows,start_time_s,duration_s,mean_current_A,capacity_mAh,"
         "capacity_mAh_g,energy_mWh,average_voltage_V,start_voltage_V,end_voltage_V\n";
  for (const auto& s : r.steps)
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", s.step.index, csv_num(s.step.file_cycle),
                       csv_num(s.step.file_step), to_string(s.step.kind), s.step.rows(), csv_num(s.start_time_s),
                       csv_num(s.step.duration_s), csv_num(s.step.mean_current_A), csv_num(s.charge.capacity_mAh),
                       csv_num(r.specific(s.charge.capacity_mAh)), csv_num(s.charge.energy_mWh),
                       csv_num(s.charge.average_voltage_V), csv_num(s.charge.start_voltage_V),
                       csv_num(s.charge.end_voltage_V));
}

void write_rates_csv(const CyclingResult& r, std::ostream& out) {
  out << "direction,current_mA,specific_current_mA_g,half_cycles,mean_capacity_mAh,last_capacity_mAh,"
         "mean_capacity_mAh_g\n";
  for (const auto& rate : r.rates)
    out << fmt::format("{},{},{},{},{},{},{}\n", dir_name(rate.direction), csv_num(rate.current_mA),
                       csv_num(r.mass ? rate.current_mA / r.mass->grams : kNaN), rate.half_cycles.size(),
                       csv_num(rate.mean_capacity_mAh), csv_num(rate.last_capacity_mAh),
                       csv_num(r.specific(rate.mean_capacity_mAh)));
}

std::string summary_text(const CyclingResult& r) {
  std::string s;
  s += fmt::format("file            {}\n", r.source_file);
  s += fmt::format("active mass     {}\n", r.mass ? fmt::format("{:.6g} mg ({})", r.mass->grams * 1e3, r.mass->how) : "-");
  s += fmt::format("steps           {}\n", r.steps.size());
  s += fmt::format("half-cycles     {} (first: {})\n", r.half_cycles.size(), dir_name(r.first_direction));
  for (const auto& n : r.notes) s += fmt::format("note            {}\n", n);
  for (const auto& w : r.warnings) s += fmt::format("WARNING         {}\n", w);
  const bool sp = r.mass.has_value();
  const char* qu = sp ? "mAh/g" : "mAh";
  s += fmt::format("\n{:>5} {:>11} {:>11} {:>7} {:>8} {:>8} {:>9} {:>9}\n", "cycle",
                   fmt::format("Qch {}", qu), fmt::format("Qdis {}", qu), "CE %", "Vch V", "Vdis V", "hyst V",
                   sp ? "flat mV/(mAh/g)" : "flat mV/mAh");
  for (const auto& c : r.cycles) {
    auto q = [&](double mAh) { return sp ? r.specific(mAh) : mAh; };
    auto f4 = [](double x) { return std::isfinite(x) ? fmt::format("{:.4f}", x) : std::string("-"); };
    s += fmt::format("{:>5} {:>11.5g} {:>11.5g} {:>7} {:>8} {:>8} {:>9} {:>9}\n", c.cycle, q(c.charge_mAh),
                     q(c.discharge_mAh),
                     std::isfinite(c.coulombic_efficiency) ? fmt::format("{:.2f}", 100 * c.coulombic_efficiency) : "-",
                     f4(c.average_charge_V), f4(c.average_discharge_V),
                     c.hysteresis ? fmt::format("{:.4f}{}", c.hysteresis->value_V,
                                                c.hysteresis->method == HysteresisMethod::soc50 ? "*" : "")
                                  : "-",
                     std::isfinite(c.flatness_mean) ? fmt::format("{:.4g}", c.flatness_mean) : "-");
  }
  s += "(hysteresis from the main dQ/dV peaks; * = SOC-50 % fallback)\n";
  if (!r.rates.empty()) {
    s += fmt::format("\n{:>9} {:>11} {:>6} {:>14}\n", "direction", "current mA", "n", fmt::format("mean Q {}", qu));
    for (const auto& rate : r.rates)
      s += fmt::format("{:>9} {:>11.4g} {:>6} {:>14.5g}\n", dir_name(rate.direction), rate.current_mA,
                       rate.half_cycles.size(), sp ? r.specific(rate.mean_capacity_mAh) : rate.mean_capacity_mAh);
  }
  return s;
}

}  // namespace castor::cycling
