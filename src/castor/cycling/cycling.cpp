#include "castor/cycling/cycling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string_view>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/provenance.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"

namespace castor::cycling {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_cc(StepKind k) { return k == StepKind::cc_charge || k == StepKind::cc_discharge; }

nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

std::string csv_num(double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : ""; }

std::string dir_name(Direction d) { return std::string(to_string(d)); }
}  // namespace

double CyclingResult::specific(double mAh) const { return mass ? mAh / mass->grams : kNaN; }

std::vector<std::string> mass_warnings(const ActiveMass& m, double largest_mAh) {
  std::vector<std::string> w;
  const double mg = m.grams * 1e3;
  if (std::fabs(mg - 0.001) < 1e-9)
    w.push_back(
        fmt::format("the active mass {} is 0.001 mg, EC-Lab's placeholder for 'not entered': specific capacities are "
                    "meaningless; give the real mass with --mass-mg",
                    m.how));
  if (largest_mAh > 0 && m.grams > 0) {
    const double q = largest_mAh / m.grams;
    if (q > 4000 || q < 1)
      w.push_back(
          fmt::format("the active mass {:.6g} mg ({}) gives a specific capacity of {:.4g} mAh/g, outside the plausible "
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
      if (rate.direction == h.direction && std::fabs(rate.current_mA - mA) <= o.rate_tolerance * rate.current_mA) match = &rate;
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
    auto warnings = mass_warnings(*r.mass, largest);
    if (r.mass_from_file && !warnings.empty()) {
      // A mass the user did not give and castor cannot stand behind is not used: no mAh/g
      // is better than a wrong one.
      r.warnings.push_back(
          fmt::format("the file's active mass ({:g} mg) is not used: {}; capacities in mAh only (give the mass with --mass-mg)",
                      r.mass->grams * 1e3, warnings.front()));
      r.mass.reset();
      r.mass_from_file = false;
      for (auto& c : r.cycles) std::erase(c.flags, std::string("implausible-specific-capacity"));
    } else {
      for (auto& w : warnings) r.warnings.push_back(std::move(w));
    }
  }
}

// The result's source, the file's warnings and the active mass (given, else the file's).
CyclingResult start_result(const Table& t, const CyclingOptions& o) {
  CyclingResult r;
  r.source_file = t.meta.source_file;
  for (const auto& w : t.meta.warnings) r.warnings.push_back("file: " + w);
  if (o.mass)
    r.mass = o.mass;
  else if (t.meta.active_mass_g && *t.meta.active_mass_g > 0) {
    r.mass = ActiveMass{*t.meta.active_mass_g, fmt::format("{:g} mg from the file", *t.meta.active_mass_g * 1e3)};
    r.mass_from_file = true;
  } else
    r.notes.push_back("no active mass given or stored in the file: capacities in mAh only");
  return r;
}

// The longest sampling interval of a step (s).
double max_interval_s(const std::vector<double>& time, const Step& s) {
  double m = 0;
  for (std::size_t i = s.begin + 1; i < s.end; ++i)
    if (std::isfinite(time[i] - time[i - 1])) m = std::max(m, time[i] - time[i - 1]);
  return m;
}

// The instrument's counter at the end of the step minus where it started: the previous
// row's value when the counter runs on (Arbin per cycle, EC-Lab per half cycle), 0 when it
// restarted (Neware, Maccor per step). nullopt without a counter for the step's direction,
// or when the counter is not finite and non-decreasing over the step.
std::optional<double> counter_of(const Table& t, const Step& s, std::string_view charge_col, std::string_view discharge_col) {
  const Direction d = direction(s.kind);
  if (d == Direction::none || s.rows() == 0) return std::nullopt;
  const Column* c = t.find(d == Direction::charge ? charge_col : discharge_col);
  if (!c) return std::nullopt;
  const auto& v = c->values;
  for (std::size_t i = s.begin; i < s.end; ++i) {
    if (!std::isfinite(v[i]) || v[i] < 0) return std::nullopt;
    if (i > s.begin && v[i] < v[i - 1] - 1e-9 * std::fabs(v[i - 1])) return std::nullopt;
  }
  double start = 0;
  if (s.begin > 0 && std::isfinite(v[s.begin - 1]) && v[s.begin] >= v[s.begin - 1]) start = v[s.begin - 1];
  return v[s.end - 1] - start;
}
std::optional<double> counter_capacity(const Table& t, const Step& s) {
  return counter_of(t, s, col::charge_capacity_mAh, col::discharge_capacity_mAh);
}
std::optional<double> counter_energy(const Table& t, const Step& s) {
  return counter_of(t, s, col::charge_energy_mWh, col::discharge_energy_mWh);
}

// The half-cycles of one cycle, and its number.
struct CycleGroup {
  int number = 0;
  double file_cycle = kNaN;
  std::vector<std::size_t> halves;
};

bool has_flag(const CycleRow& c, std::string_view f) { return std::find(c.flags.begin(), c.flags.end(), f) != c.flags.end(); }

// The cycle table from the half-cycles grouped into cycles: capacities and energies per
// direction, the CE by the convention (chosen from the cycles' first directions unless
// asked), its integration error, the flags, cumulative loss and retention. `pair(ch, dis,
// row)` adds what needs the samples (hysteresis).
template <class Pair>
void build_cycles(CyclingResult& r, const std::vector<CycleGroup>& groups, const CyclingOptions& o, Pair pair) {
  const auto& hc = r.half_cycles;
  // The convention.
  int charge_first = 0, discharge_first = 0;
  for (const auto& g : groups) {
    bool ch = false, dis = false;
    for (auto h : g.halves) (hc[h].direction == Direction::charge ? ch : dis) = true;
    if (ch && dis && !g.halves.empty()) (hc[g.halves.front()].direction == Direction::charge ? charge_first : discharge_first)++;
  }
  bool out_is_discharge = true;
  if (o.ce == CeConvention::discharge_over_charge) {
    r.ce_reason = "as asked (--ce discharge/charge)";
  } else if (o.ce == CeConvention::charge_over_discharge) {
    out_is_discharge = false;
    r.ce_reason = "as asked (--ce charge/discharge)";
  } else if (charge_first == 0 && discharge_first == 0) {
    r.ce_reason = "no cycle holds both a charge and a discharge; the cathode convention";
  } else if (charge_first >= discharge_first) {
    r.ce_reason = fmt::format(
        "{} of {} complete cycles begin with a charge: what comes out over what went in (a cathode "
        "made with the ion, or a full cell)",
        charge_first, charge_first + discharge_first);
  } else {
    out_is_discharge = false;
    r.ce_reason = fmt::format(
        "{} of {} complete cycles begin with a discharge: what comes out over what went in (an anode "
        "against a metal counter electrode, or a cathode made without the ion, e.g. NaTi2(PO4)3 taking "
        "up Ca); --ce discharge/charge reports the other ratio",
        discharge_first, charge_first + discharge_first);
  }
  r.ce_convention = out_is_discharge ? "discharge/charge" : "charge/discharge";

  double cumulative = 0, first_out = kNaN;
  std::optional<std::size_t> previous_complete;  // index into r.cycles
  double previous_out_current = kNaN;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const auto& g = groups[gi];
    CycleRow c;
    c.cycle = g.number;
    c.file_cycle = g.file_cycle;
    c.halves = g.halves;
    if (!g.halves.empty()) c.first = g.halves.front();
    if (g.halves.size() >= 2) c.second = g.halves[1];
    c.average_charge_V = c.average_discharge_V = kNaN;
    int charges = 0, discharges = 0;
    double err_ch = 0, err_dis = 0;
    const HalfCycleRow *first_ch = nullptr, *first_dis = nullptr;
    for (auto h : g.halves) {
      const auto& x = hc[h];
      if (x.direction == Direction::charge) {
        ++charges, c.charge_mAh += x.capacity_mAh, c.charge_energy_mWh += x.energy_mWh, err_ch += x.capacity_error_mAh;
        if (!first_ch) first_ch = &x;
      } else {
        ++discharges, c.discharge_mAh += x.capacity_mAh, c.discharge_energy_mWh += x.energy_mWh, err_dis += x.capacity_error_mAh;
        if (!first_dis) first_dis = &x;
      }
    }
    if (charges) c.average_charge_V = c.charge_mAh > 0 ? c.charge_energy_mWh / c.charge_mAh : kNaN;
    if (discharges) c.average_discharge_V = c.discharge_mAh > 0 ? c.discharge_energy_mWh / c.discharge_mAh : kNaN;
    if (charges > 1 || discharges > 1) c.flags.push_back("several-half-cycles");
    const bool complete = charges && discharges;
    const double q_out = out_is_discharge ? c.discharge_mAh : c.charge_mAh;
    const double q_in = out_is_discharge ? c.charge_mAh : c.discharge_mAh;
    const double e_out = out_is_discharge ? err_dis : err_ch, e_in = out_is_discharge ? err_ch : err_dis;
    c.coulombic_efficiency = complete && q_in > 0 ? q_out / q_in : kNaN;
    c.coulombic_efficiency_error =
        std::isfinite(c.coulombic_efficiency) && q_out > 0 ? c.coulombic_efficiency * (e_out / q_out + e_in / q_in) : kNaN;
    c.flatness_mean = kNaN;
    const bool last = gi + 1 == groups.size();
    if (g.halves.empty()) {
      c.flags.push_back("no-charge-or-discharge");
      c.hysteresis_note = "no charge or discharge in this cycle";
    } else if (!complete) {
      c.flags.push_back(last && gi > 0 ? "unfinished" : "partial");
      c.hysteresis_note = last && gi > 0 ? "cycle not finished" : "one direction only";
    } else {
      cumulative += q_in - q_out;
      if (first_ch && first_dis) {
        if (!first_ch->steps.empty() && !first_dis->steps.empty()) pair(*first_ch, *first_dis, c);
        if (first_ch->flatness && first_dis->flatness)
          c.flatness_mean = 0.5 * (first_ch->flatness->endpoint_mV_per + first_dis->flatness->endpoint_mV_per);
      }
      if (c.coulombic_efficiency - 1 > (std::isfinite(c.coulombic_efficiency_error) ? c.coulombic_efficiency_error : 0))
        c.flags.push_back("ce>100%");
      // Too few samples for the integral to be within 1 % (the instrument's own counter may differ).
      if ((c.charge_mAh > 0 && err_ch > 0.01 * c.charge_mAh) || (c.discharge_mAh > 0 && err_dis > 0.01 * c.discharge_mAh))
        c.flags.push_back("coarse-sampling");
      // The closing half of the last cycle cut short.
      const HalfCycleRow& closing = hc[g.halves.back()];
      if (last && previous_complete) {
        const auto& pc = r.cycles[*previous_complete];
        const double before = closing.direction == Direction::charge ? pc.charge_mAh : pc.discharge_mAh;
        if (before > 0 && closing.capacity_mAh < 0.5 * before) c.flags.push_back("unfinished");
      }
      const HalfCycleRow* out_half = out_is_discharge ? first_dis : first_ch;
      const double out_current = out_half ? out_half->current_A : kNaN;
      if (previous_complete) {
        const auto& pc = r.cycles[*previous_complete];
        const double q_prev = out_is_discharge ? pc.discharge_mAh : pc.charge_mAh;
        const bool same_rate = std::isfinite(out_current) && std::isfinite(previous_out_current) &&
                               std::fabs(out_current - previous_out_current) <= o.rate_tolerance * previous_out_current;
        if (same_rate && q_prev > 0 && std::fabs(q_out - q_prev) > o.jump_fraction * q_prev && !has_flag(c, "unfinished"))
          c.flags.push_back("capacity-jump");
      }
      if (!std::isfinite(first_out)) first_out = q_out;
      previous_out_current = out_current;
    }
    if (r.mass && r.mass->grams > 0) {
      const double q = std::max(c.charge_mAh, c.discharge_mAh) / r.mass->grams;
      if (q > 4000) c.flags.push_back("implausible-specific-capacity");  // beyond Li metal's 3860 mAh/g
    }
    c.cumulative_loss_mAh = cumulative;
    c.retention = complete && first_out > 0 ? q_out / first_out : kNaN;
    r.cycles.push_back(std::move(c));
    if (complete) previous_complete = r.cycles.size() - 1;
  }
  // A summary of the flags.
  std::map<std::string, std::vector<int>> by_flag;
  for (const auto& c : r.cycles)
    for (const auto& f : c.flags) by_flag[f].push_back(c.cycle);
  for (const auto& [flag, cycles] : by_flag) {
    std::string list;
    for (std::size_t k = 0; k < cycles.size() && k < 12; ++k) list += fmt::format("{}{}", k ? ", " : "", cycles[k]);
    if (cycles.size() > 12) list += fmt::format(" and {} more", cycles.size() - 12);
    r.notes.push_back(fmt::format("flag {}: cycle{} {}", flag, cycles.size() > 1 ? "s" : "", list));
  }
}

// The headline CEs (first and last complete cycle) whose own flags undermine them are said
// among the warnings, beside the number, not only in the per-cycle table: a summary row
// (batch, report, JSON) shows the headline alone.
void warn_about_headline_cycles(CyclingResult& r) {
  const CycleRow* first = nullptr;
  const CycleRow* last = nullptr;
  for (const auto& c : r.cycles)
    if (std::isfinite(c.coulombic_efficiency)) {
      if (!first) first = &c;
      last = &c;
    }
  auto flag_warning = [&](const CycleRow& cy, const char* which) {
    const auto has = [&](const char* f) { return std::find(cy.flags.begin(), cy.flags.end(), f) != cy.flags.end(); };
    if (has("ce>100%"))
      r.warnings.push_back(
          fmt::format("{} CE {:.2f} % (cycle {}) is above 100 % beyond its uncertainty: more charge came out than went in ({}{}); "
                      "a cell that starts part-charged, a side reaction that gives charge back, or a cycle split that does not "
                      "follow the electrode's own cycles (castor cycling --cycles, --ce)",
                      which, 100 * cy.coulombic_efficiency, cy.cycle, r.ce_convention,
                      has("several-half-cycles") ? "; the cycle holds several half-cycles of one direction" : ""));
    if (has("coarse-sampling"))
      r.warnings.push_back(fmt::format("{} CE: cycle {} has too few samples for the capacity integral to be within 1 %", which, cy.cycle));
  };
  if (first) flag_warning(*first, "first");
  if (last && last != first) flag_warning(*last, "last");
}

}  // namespace

CyclingResult analyse_cycling(const Table& t, const CyclingOptions& o) {
  if (t.meta.layout == TableLayout::half_cycles) return analyse_half_cycle_table(t, o);
  for (auto c : {col::time_s, col::voltage_V, col::current_A})
    if (!t.has(c))
      throw Error(t.meta.source_file, t.meta.format, fmt::format("cycling analysis needs a {} column; the file gives none", c));
  CyclingResult r = start_result(t, o);

  const auto steps = find_steps(t, o.segments);
  const auto& time = t.values(col::time_s);
  // A reader that filled capacity columns itself (between a file's sparse records) says so.
  const auto derived = t.meta.extra.find("capacity_columns");
  const bool use_counters = o.use_file_capacity && !(derived != t.meta.extra.end() && derived->second == "derived");
  std::size_t counter_steps = 0, disagreeing = 0;
  std::string first_disagreement;
  for (const auto& s : steps) {
    StepRow row{s, step_charge(t, s), time[s.begin]};
    row.integral_mAh = row.charge.capacity_mAh;
    const double dt_max = max_interval_s(time, s);
    const double sampling_mAh = std::fabs(s.mean_current_A) * dt_max / 3.6;
    row.capacity_error_mAh =
        std::fabs(s.mean_current_A) * (s.rows() > 1 ? s.duration_s / static_cast<double>(s.rows() - 1) : s.duration_s) / 3.6;
    if (const auto q = use_counters ? counter_capacity(t, s) : std::nullopt)
      if (*q > 0 || row.integral_mAh > 0) {
        // The counter may hold what happened before the first sample and after the last:
        // up to two sampling intervals of current, and 2 % for the integral's own error.
        // (A one-row step has no interval to integrate: its counter stands alone.)
        if (s.rows() < 2 || std::fabs(*q - row.integral_mAh) <= 2 * sampling_mAh + 0.02 * row.integral_mAh + 1e-6) {
          const double v_avg = row.charge.average_voltage_V;
          row.charge.capacity_mAh = *q;
          const auto e = counter_energy(t, s);
          row.charge.energy_mWh = e ? *e : (std::isfinite(v_avg) ? v_avg * *q : row.charge.energy_mWh);
          row.charge.average_voltage_V = *q > 0 ? row.charge.energy_mWh / *q : v_avg;
          row.from_counter = true;
          row.capacity_error_mAh = 1e-4 * *q;
          ++counter_steps;
        } else if (disagreeing++ == 0) {
          first_disagreement = fmt::format("step {} (counter {:.6g} mAh, integral {:.6g} mAh)", s.index, *q, row.integral_mAh);
        }
      }
    r.steps.push_back(row);
  }
  if (counter_steps)
    r.notes.push_back(
        fmt::format("capacities of {} step(s) from the file's own capacity counters (the instrument's "
                    "integral); the others from the integral of the current",
                    counter_steps));
  if (disagreeing)
    r.warnings.push_back(
        fmt::format("the file's capacity counter disagrees with the integral of the current in {} step(s), "
                    "first {}: castor uses the integral there",
                    disagreeing, first_disagreement));

  const bool has_file_cycles = t.has(col::cycle) && o.segments.use_file_columns;
  if (o.cycles == CycleRule::file && !has_file_cycles)
    throw Error(t.meta.source_file, t.meta.format, "--cycles file: the file has no cycle index (use --cycles run-order)");
  const bool by_file = o.cycles == CycleRule::file || (o.cycles == CycleRule::automatic && has_file_cycles);
  HalfCycleOptions ho;
  ho.split_at_file_cycle = by_file;
  ho.min_rows = o.min_step_rows;
  ho.min_duration_s = o.min_step_s;
  const auto found = find_half_cycles(steps, ho);
  const auto& halves = found.half_cycles;
  r.merged_steps = found.merged_steps;
  if (!r.merged_steps.empty()) {
    std::string list;
    double merged_mAh = 0;
    for (std::size_t k = 0; k < r.merged_steps.size(); ++k) {
      const auto& sr = r.steps[r.merged_steps[k]];
      merged_mAh += sr.charge.capacity_mAh;
      if (k < 8) list += fmt::format("{}{} ({} rows, {:.3g} s)", k ? ", " : "", sr.step.index, sr.step.rows(), sr.step.duration_s);
    }
    if (r.merged_steps.size() > 8) list += fmt::format(", and {} more", r.merged_steps.size() - 8);
    r.notes.push_back(
        fmt::format("{} active step(s) shorter than {} rows or {:g} s merged into their neighbours, not counted "
                    "as half-cycles (their {:.4g} mAh not counted): step {}",
                    r.merged_steps.size(), o.min_step_rows, o.min_step_s, merged_mAh, list));
  }
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
      row.capacity_error_mAh += sr.capacity_error_mAh;
      if (is_cc(sr.step.kind)) {
        cc_charge_mAh += sr.integral_mAh;  // over the samples' duration: the mean current
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

  std::vector<CycleGroup> groups;
  if (by_file) {
    r.cycle_rule = o.cycles == CycleRule::file ? "file (as asked)" : "file (the file's own cycle index)";
    // Every file cycle the steps pass through is a row, also one in which only rests ran
    // (so castor info and castor cycling count the same cycles).
    std::vector<int> half_of_step(steps.size(), -1);
    for (std::size_t h = 0; h < halves.size(); ++h)
      for (auto st : halves[h].steps) half_of_step[st] = static_cast<int>(h);
    for (std::size_t st = 0; st < steps.size(); ++st) {
      const double fc = steps[st].file_cycle;
      if (!std::isfinite(fc)) continue;
      if (groups.empty() || !(groups.back().file_cycle == fc)) groups.push_back(CycleGroup{static_cast<int>(fc), fc, {}});
      const int h = half_of_step[st];
      if (h >= 0 && (groups.back().halves.empty() || groups.back().halves.back() != static_cast<std::size_t>(h)))
        groups.back().halves.push_back(static_cast<std::size_t>(h));
    }
  } else {
    r.cycle_rule = o.cycles == CycleRule::run_order ? "run-order (as asked)" : "run-order (the file has no cycle index)";
    std::size_t h0 = 0;
    const auto& hc = r.half_cycles;
    if (hc.size() >= 3 && hc[0].capacity_mAh < o.formation_fraction * hc[2].capacity_mAh) {
      groups.push_back(CycleGroup{0, steps[halves[0].steps.front()].file_cycle, {0}});
      r.notes.push_back(
          fmt::format("the first half-cycle ({}, {:.4g} mAh) is below {:g} x the next {} ({:.4g} mAh): a partial "
                      "half-cycle from the as-made state, reported as cycle 0",
                      dir_name(hc[0].direction), hc[0].capacity_mAh, o.formation_fraction, dir_name(hc[2].direction), hc[2].capacity_mAh));
      h0 = 1;
    }
    for (std::size_t h = h0; h < hc.size(); h += 2) {
      CycleGroup g{static_cast<int>(groups.size()) + (h0 ? 0 : 1), steps[halves[h].steps.front()].file_cycle, {h}};
      if (h + 1 < hc.size()) g.halves.push_back(h + 1);
      groups.push_back(std::move(g));
    }
  }
  build_cycles(r, groups, o, [&](const HalfCycleRow& ch, const HalfCycleRow& dis, CycleRow& c) {
    try {
      c.hysteresis = hysteresis(t, steps[ch.main_step], steps[dis.main_step], o.dqdv, o.hysteresis_soc50);
      if (c.hysteresis->method == HysteresisMethod::dqdv_peaks && !c.hysteresis->note.empty()) c.flags.push_back("several-couples");
    } catch (const Error& e) {
      c.hysteresis_note = e.what();
    }
  });

  add_rates_and_mass_checks(r, o);
  warn_about_headline_cycles(r);
  return r;
}

CyclingResult analyse_half_cycle_table(const Table& t, const CyclingOptions& o) {
  for (auto c : {col::cycle, col::half_cycle_direction, col::half_cycle_capacity_mAh})
    if (!t.has(c)) throw Error(t.meta.source_file, t.meta.format, fmt::format("half-cycle table lacks a {} column", c));
  CyclingResult r = start_result(t, o);
  r.notes.push_back(
      "the file stores one row of totals per half cycle (no samples): half cycles and cycles are the "
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
    h.direction = dir[i] > 0 ? Direction::charge : Direction::discharge;
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
  r.cycle_rule = "file (the file stores one row per half cycle)";
  std::vector<CycleGroup> groups;
  for (std::size_t i = 0; i < r.half_cycles.size(); ++i) {
    if (groups.empty() || !(groups.back().file_cycle == cyc[i]))
      groups.push_back(CycleGroup{std::isfinite(cyc[i]) ? static_cast<int>(cyc[i]) : static_cast<int>(groups.size()) + 1, cyc[i], {}});
    groups.back().halves.push_back(i);
  }
  build_cycles(r, groups, o, [](const HalfCycleRow&, const HalfCycleRow&, CycleRow&) {});
  for (auto& c : r.cycles) c.hysteresis_note = "the file holds no samples";
  add_rates_and_mass_checks(r, o);
  warn_about_headline_cycles(r);
  return r;
}

void write_cycling_json(const CyclingResult& r, std::ostream& out) {
  nlohmann::json j;
  j["castor"] = {{"version", version()}, {"command", command_line()}};
  j["source_file"] = r.source_file;
  if (r.mass) j["active_mass"] = {{"g", r.mass->grams}, {"how", r.mass->how}};
  j["first_direction"] = dir_name(r.first_direction);
  j["cycle_rule"] = r.cycle_rule;
  j["ce_convention"] = r.ce_convention;
  j["ce_reason"] = r.ce_reason;
  j["merged_steps"] = r.merged_steps;
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
                        {"coulombic_efficiency_error", num(c.coulombic_efficiency_error)},
                        {"half_cycles", c.halves},
                        {"flags", c.flags},
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
    nlohmann::json x = {{"number", h.number},
                        {"direction", dir_name(h.direction)},
                        {"capacity_mAh", h.capacity_mAh},
                        {"capacity_mAh_g", num(r.specific(h.capacity_mAh))},
                        {"energy_mWh", h.energy_mWh},
                        {"average_voltage_V", num(h.average_voltage_V)},
                        {"current_mA", num(h.current_A * 1e3)},
                        {"steps", h.steps}};
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
                     {"capacity_source", s.from_counter ? "file counter" : "integral"},
                     {"integral_mAh", s.integral_mAh},
                     {"energy_mWh", s.charge.energy_mWh},
                     {"average_voltage_V", num(s.charge.average_voltage_V)},
                     {"start_voltage_V", num(s.charge.start_voltage_V)},
                     {"end_voltage_V", num(s.charge.end_voltage_V)}});
  out << j.dump(2) << '\n';
}

void write_cycles_csv(const CyclingResult& r, std::ostream& out) {
  out << "cycle,file_cycle,charge_mAh,discharge_mAh,charge_mAh_g,discharge_mAh_g,coulombic_efficiency,"
         "average_charge_V,average_discharge_V,charge_energy_mWh,discharge_energy_mWh,cumulative_loss_mAh,"
         "retention,hysteresis_V,hysteresis_method,peak_charge_V,peak_discharge_V,flatness_mean,"
         "coulombic_efficiency_error,flags\n";
  for (const auto& c : r.cycles) {
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},", c.cycle, csv_num(c.file_cycle), csv_num(c.charge_mAh),
                       csv_num(c.discharge_mAh), csv_num(r.specific(c.charge_mAh)), csv_num(r.specific(c.discharge_mAh)),
                       csv_num(c.coulombic_efficiency), csv_num(c.average_charge_V), csv_num(c.average_discharge_V),
                       csv_num(c.charge_energy_mWh), csv_num(c.discharge_energy_mWh), csv_num(c.cumulative_loss_mAh), csv_num(c.retention));
    if (c.hysteresis)
      out << fmt::format("{},{},{},{},", csv_num(c.hysteresis->value_V),
                         c.hysteresis->method == HysteresisMethod::soc50 ? "soc50" : "dqdv-peaks", csv_num(c.hysteresis->charge_V),
                         csv_num(c.hysteresis->discharge_V));
    else
      out << ",,,,";
    std::string flags;
    for (const auto& f : c.flags) flags += (flags.empty() ? "" : ";") + f;
    out << csv_num(c.flatness_mean) << ',' << csv_num(c.coulombic_efficiency_error) << ',' << flags << '\n';
  }
}

void write_steps_csv(const CyclingResult& r, std::ostream& out) {
  out << "index,file_cycle,file_step,kind,rows,start_time_s,duration_s,mean_current_A,capacity_mAh,"
         "capacity_mAh_g,energy_mWh,average_voltage_V,start_voltage_V,end_voltage_V,capacity_source,integral_mAh\n";
  for (const auto& s : r.steps)
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", s.step.index, csv_num(s.step.file_cycle),
                       csv_num(s.step.file_step), to_string(s.step.kind), s.step.rows(), csv_num(s.start_time_s),
                       csv_num(s.step.duration_s), csv_num(s.step.mean_current_A), csv_num(s.charge.capacity_mAh),
                       csv_num(r.specific(s.charge.capacity_mAh)), csv_num(s.charge.energy_mWh), csv_num(s.charge.average_voltage_V),
                       csv_num(s.charge.start_voltage_V), csv_num(s.charge.end_voltage_V), s.from_counter ? "file counter" : "integral",
                       csv_num(s.integral_mAh));
}

void write_rates_csv(const CyclingResult& r, std::ostream& out) {
  out << "direction,current_mA,specific_current_mA_g,half_cycles,mean_capacity_mAh,last_capacity_mAh,"
         "mean_capacity_mAh_g\n";
  for (const auto& rate : r.rates)
    out << fmt::format("{},{},{},{},{},{},{}\n", dir_name(rate.direction), csv_num(rate.current_mA),
                       csv_num(r.mass ? rate.current_mA / r.mass->grams : kNaN), rate.half_cycles.size(), csv_num(rate.mean_capacity_mAh),
                       csv_num(rate.last_capacity_mAh), csv_num(r.specific(rate.mean_capacity_mAh)));
}

std::string summary_text(const CyclingResult& r) {
  std::string s;
  s += fmt::format("file            {}\n", r.source_file);
  s += fmt::format("active mass     {}\n", r.mass ? fmt::format("{:.6g} mg ({})", r.mass->grams * 1e3, r.mass->how) : "-");
  s += fmt::format("steps           {}\n", r.steps.size());
  s += fmt::format("half-cycles     {} (first: {})\n", r.half_cycles.size(), dir_name(r.first_direction));
  if (!r.cycle_rule.empty()) s += fmt::format("cycles          {}: {}\n", r.cycles.size(), r.cycle_rule);
  if (!r.ce_convention.empty()) s += fmt::format("CE              {} ({})\n", r.ce_convention, r.ce_reason);
  for (const auto& n : r.notes) s += fmt::format("note            {}\n", n);
  for (const auto& w : r.warnings) s += fmt::format("WARNING         {}\n", w);
  const bool sp = r.mass.has_value();
  const char* qu = sp ? "mAh/g" : "mAh";
  s += fmt::format("\n{:>5} {:>11} {:>11} {:>7} {:>8} {:>8} {:>9} {:>9}  {}\n", "cycle", fmt::format("Qch {}", qu),
                   fmt::format("Qdis {}", qu), "CE %", "Vch V", "Vdis V", "hyst V", sp ? "flat mV/(mAh/g)" : "flat mV/mAh", "flags");
  for (const auto& c : r.cycles) {
    auto q = [&](double mAh) { return sp ? r.specific(mAh) : mAh; };
    auto f4 = [](double x) { return std::isfinite(x) ? fmt::format("{:.4f}", x) : std::string("-"); };
    std::string flags;
    for (const auto& f : c.flags) flags += (flags.empty() ? "" : " ") + f;
    s += fmt::format(
        "{:>5} {:>11.5g} {:>11.5g} {:>7} {:>8} {:>8} {:>9} {:>9}  {}\n", c.cycle, q(c.charge_mAh), q(c.discharge_mAh),
        std::isfinite(c.coulombic_efficiency) ? fmt::format("{:.2f}", 100 * c.coulombic_efficiency) : "-", f4(c.average_charge_V),
        f4(c.average_discharge_V),
        c.hysteresis ? fmt::format("{:.4f}{}", c.hysteresis->value_V, c.hysteresis->method == HysteresisMethod::soc50 ? "*" : "") : "-",
        std::isfinite(c.flatness_mean) ? fmt::format("{:.4g}", c.flatness_mean) : "-", flags);
  }
  s += "(hysteresis from the dQ/dV peaks of one redox couple; * = SOC-50 % fallback)\n";
  // Which couple the hysteresis is of, where the curves hold several (flag several-couples).
  for (const auto& c : r.cycles)
    if (c.hysteresis && c.hysteresis->method == HysteresisMethod::dqdv_peaks && !c.hysteresis->note.empty())
      s += fmt::format("cycle {}: {}\n", c.cycle, c.hysteresis->note);
  if (!r.rates.empty()) {
    s += fmt::format("\n{:>9} {:>11} {:>6} {:>14}\n", "direction", "current mA", "n", fmt::format("mean Q {}", qu));
    for (const auto& rate : r.rates)
      s += fmt::format("{:>9} {:>11.4g} {:>6} {:>14.5g}\n", dir_name(rate.direction), rate.current_mA, rate.half_cycles.size(),
                       sp ? r.specific(rate.mean_capacity_mAh) : rate.mean_capacity_mAh);
  }
  return s;
}

}  // namespace castor::cycling
