#include "castor/gitt/gitt.h"
#include "castor/core/constants.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "castor/chem/formula.h"
#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/steps.h"

namespace castor::gitt {
namespace {
constexpr double kAvogadro = constants::avogadro_1_mol;
}

double molar_volume_cm3_mol(double cell_volume_Ang3, int z) {
  if (!(cell_volume_Ang3 > 0) || z < 1) throw Error("molar volume needs a positive cell volume and Z >= 1");
  return cell_volume_Ang3 * 1e-24 * kAvogadro / z;
}

double hexagonal_cell_volume_Ang3(double a, double c) { return std::sqrt(3.0) / 2 * a * a * c; }

GittResult analyse_gitt(const Table& t, const GittOptions& o) {
  for (auto c : {col::time_s, col::voltage_V, col::current_A})
    if (!t.has(c)) throw Error(t.meta.source_file, t.meta.format, fmt::format("GITT needs a {} column", c));
  if (!(o.mass_g > 0) || !(o.molar_mass_g_mol > 0)) throw Error("GITT needs the active mass and the molar mass (--mass-mg, --formula)");
  double L_formula = 0, L_diffusion = 0;  // the length in the formula and the diffusion length
  if (o.geometry == Geometry::sphere) {
    if (!(o.radius_cm > 0)) throw Error("GITT sphere form needs the particle radius (--radius-nm)");
    L_formula = o.radius_cm / 3;
    L_diffusion = o.radius_cm;
  } else {
    if (!(o.area_cm2 > 0) || !(o.molar_volume_cm3_mol > 0))
      throw Error("GITT electrode form needs the area S (--area-cm2) and the molar volume V_M");
    L_formula = o.mass_g * o.molar_volume_cm3_mol / (o.molar_mass_g_mol * o.area_cm2);
    L_diffusion = L_formula;
  }
  const auto& time = t.values(col::time_s);
  const auto& v = t.values(col::voltage_V);
  // The voltage's resolution: the smallest change between rows (quantisation of the record).
  double v_resolution = std::numeric_limits<double>::infinity();
  for (std::size_t i = 1; i < v.size(); ++i)
    if (const double dv = std::fabs(v[i] - v[i - 1]); dv > 0 && dv < v_resolution) v_resolution = dv;
  if (!std::isfinite(v_resolution)) v_resolution = 0;
  cycling::SegmentOptions so;
  so.use_file_columns = false;
  so.rest_current_A = o.rest_current_A;
  const auto steps = cycling::find_steps(t, so);
  const double q_th_mAh = o.mass_g * chem::theoretical_capacity_mAh_g(o.molar_mass_g_mol, o.ion_charge);

  GittResult r;
  double prev_rest_end = std::numeric_limits<double>::quiet_NaN();
  Direction prev_dir = Direction::none;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const auto& s = steps[k];
    const Direction d = cycling::direction(s.kind);
    if (d == Direction::none || s.kind == StepKind::cv_charge || s.kind == StepKind::cv_discharge) continue;
    // A pulse without a rest after it (the file ends, or the next step passes current)
    // is still reported, with what can be measured; it gives no dEs and no D.
    const bool has_rest = k + 1 < steps.size() && steps[k + 1].kind == StepKind::rest && steps[k + 1].duration_s >= o.min_rest_s;
    if (s.duration_s < o.min_pulse_s || s.rows() < 4) continue;
    GittPulse p;
    p.index = static_cast<int>(r.pulses.size()) + 1;
    p.direction = d;
    p.begin = s.begin, p.end = s.end;
    p.rest_end = has_rest ? steps[k + 1].end : s.end;
    p.current_A = s.mean_current_A;
    // The pulse lasts until the next step's first row (or its own last row at the end).
    p.tau_s = (s.end < time.size() ? time[s.end] : time[s.end - 1]) - time[s.begin];
    p.rest_s = has_rest ? time[steps[k + 1].end - 1] - time[steps[k + 1].begin] : 0.0;
    const bool after_rest = k > 0 && steps[k - 1].kind == StepKind::rest;
    p.e0_V = after_rest ? v[steps[k - 1].end - 1] : v[s.begin];
    p.e_after_ir_V = v[s.begin];
    p.e_pulse_end_V = v[s.end - 1];
    p.e_rest_end_V = has_rest ? v[p.rest_end - 1] : std::numeric_limits<double>::quiet_NaN();
    p.ir_drop_V = p.e_after_ir_V - p.e0_V;
    p.overpotential_V = p.e_pulse_end_V - p.e_rest_end_V;
    // A new titration (direction change) starts from its own E0.
    const double before = (d == prev_dir && std::isfinite(prev_rest_end)) ? prev_rest_end : p.e0_V;
    p.dEs_V = p.e_rest_end_V - before;
    p.dEt_V = p.e_pulse_end_V - p.e_after_ir_V;
    // E against sqrt(t) over the pulse, without its first row.
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    for (std::size_t i = s.begin + 1; i < s.end; ++i) {
      const double x = std::sqrt(time[i] - time[s.begin]), y = v[i];
      n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y, syy += y * y;
    }
    const double den = n * sxx - sx * sx;
    if (n >= 3 && den > 0) {
      p.dE_dsqrt_t = (n * sxy - sx * sy) / den;
      const double vy = n * syy - sy * sy;
      p.sqrt_t_r2 = vy > 0 ? (n * sxy - sx * sy) * (n * sxy - sx * sy) / (den * vy) : 1.0;
    }
    p.charge_mAh = std::fabs(p.current_A) * p.tau_s / 3.6;
    const double dEt_for_D = o.slope == Slope::sqrt_time_fit ? p.dE_dsqrt_t * std::sqrt(p.tau_s) : p.dEt_V;
    const double ratio = p.dEs_V / dEt_for_D;
    p.D_cm2_s = 4 / (std::numbers::pi * p.tau_s) * L_formula * L_formula * ratio * ratio;
    p.diffusion_time_s = L_diffusion * L_diffusion / p.D_cm2_s;
    std::string why;
    auto add = [&](const std::string& w) { why += (why.empty() ? "" : "; ") + w; };
    // The rest's last tenth (at least 3 rows): E still moving when the next pulse starts?
    double drift_V_s = 0;
    if (has_rest) {
      const std::size_t rb = steps[k + 1].begin, re = steps[k + 1].end;
      const std::size_t from = re - std::max<std::size_t>(3, (re - rb) / 10);
      if (from > rb && re - from >= 2 && time[re - 1] > time[from]) drift_V_s = (v[re - 1] - v[from]) / (time[re - 1] - time[from]);
    }
    // dEs not resolved: below 2 % of dEt, or within 3 steps of the voltage's resolution.
    const bool two_phase =
        has_rest && std::isfinite(p.dEs_V) && (std::fabs(p.dEs_V) < 0.02 * std::fabs(dEt_for_D) || std::fabs(p.dEs_V) < 3 * v_resolution);
    if (!has_rest) {
      add("no rest after the pulse: dEs and D unknown");
    } else if (two_phase) {
      add(fmt::format("dEs = {:.2g} mV is ~0 (a two-phase plateau): Weppner-Huggins does not apply, no D", 1e3 * p.dEs_V));
      p.D_cm2_s = std::numeric_limits<double>::quiet_NaN();
      p.diffusion_time_s = std::numeric_limits<double>::quiet_NaN();
    } else if (!std::isfinite(p.D_cm2_s) || p.D_cm2_s <= 0) {
      add("no voltage change (dEs or dEt is zero)");
    } else {
      if (p.tau_s > o.max_tau_fraction * p.diffusion_time_s)
        add(fmt::format("tau = {:.4g} s is not << L^2/D = {:.4g} s", p.tau_s, p.diffusion_time_s));
      // The slowest mode of the relaxation decays with L^2/(pi^2 D): a rest shorter than three
      // of them leaves E off equilibrium.
      const double relax_s = p.diffusion_time_s / (std::numbers::pi * std::numbers::pi);
      if (p.rest_s < 3 * relax_s)
        add(fmt::format("rest {:.4g} s is shorter than 3 relaxation times L^2/(pi^2 D) = 3 x {:.4g} s: E had not relaxed", p.rest_s,
                        relax_s));
      // E still moving at the rest's end by more than a tenth of dEs over another rest length.
      if (std::fabs(drift_V_s) * p.rest_s > 0.1 * std::fabs(p.dEs_V))
        add(fmt::format("E still moves {:.3g} mV/h at the rest's end: not at equilibrium", drift_V_s * 3.6e6));
    }
    if (p.sqrt_t_r2 < o.min_sqrt_t_r2) add(fmt::format("E is not linear in sqrt(t) (r^2 = {:.3f})", p.sqrt_t_r2));
    p.valid = why.empty();
    p.note = why;
    r.invalid += !p.valid;
    prev_rest_end = has_rest ? p.e_rest_end_V : std::numeric_limits<double>::quiet_NaN();
    prev_dir = d;
    r.pulses.push_back(p);
  }
  if (r.pulses.empty())
    throw Error(t.meta.source_file, t.meta.format,
                "no GITT pulses: no constant-current step of at least min_pulse_s (check --rest-current-A)");
  // SOC and x over each titration (a run of pulses in one direction).
  for (std::size_t a = 0; a < r.pulses.size();) {
    std::size_t b = a;
    double total = 0;
    while (b < r.pulses.size() && r.pulses[b].direction == r.pulses[a].direction) total += r.pulses[b++].charge_mAh;
    double cum = 0;
    for (std::size_t k = a; k < b; ++k) {
      cum += r.pulses[k].charge_mAh;
      r.pulses[k].soc = total > 0 ? cum / total : 0;
      r.pulses[k].x = cum / q_th_mAh;
    }
    a = b;
  }
  r.summary = fmt::format("{} pulses, {} of them fail the validity check", r.pulses.size(), r.invalid);
  r.summary += o.geometry == Geometry::sphere
                   ? fmt::format(". D is a particle (solid-state) D for spheres of radius {:.4g} nm", o.radius_cm * 1e7)
                   : fmt::format(
                         ". D is an apparent D from the geometric area {:.4g} cm2: for a porous electrode of "
                         "particles it is not a particle property (give --radius-nm for that)",
                         o.area_cm2);
  if (r.invalid > 0) {
    const auto& first_bad = *std::find_if(r.pulses.begin(), r.pulses.end(), [](const auto& p) { return !p.valid; });
    r.summary += fmt::format(
        " (pulse {}: {}). Weppner-Huggins assumes semi-infinite diffusion during the pulse; "
        "D of the flagged pulses is not reliable",
        first_bad.index, first_bad.note);
    int two_phase = 0, no_rest = 0;
    for (const auto& p : r.pulses) {
      two_phase += p.note.find("two-phase") != std::string::npos;
      no_rest += p.note.find("no rest after") != std::string::npos;
    }
    r.warnings.push_back(fmt::format("{} of {} pulses fail the Weppner-Huggins validity check (first: pulse {}, {})", r.invalid,
                                     r.pulses.size(), first_bad.index, first_bad.note));
    if (two_phase > 0)
      r.warnings.push_back(fmt::format("{} pulses lie on a two-phase plateau (dEs ~ 0): no D is given for them", two_phase));
    if (no_rest > 0) r.warnings.push_back(fmt::format("{} pulses have no rest after them: no D", no_rest));
  }
  return r;
}

GittWindow window_average(const GittResult& r, Direction direction, double lo, double hi) {
  GittWindow w;
  w.direction = direction, w.soc_low = lo, w.soc_high = hi;
  double sum = 0, logsum = 0;
  for (const auto& p : r.pulses) {
    if (p.direction != direction || p.soc < lo || p.soc > hi || !(p.D_cm2_s > 0)) continue;
    ++w.pulses;
    w.valid_pulses += p.valid;
    sum += p.D_cm2_s;
    logsum += std::log(p.D_cm2_s);
  }
  if (w.pulses > 0) {
    w.mean_D_cm2_s = sum / w.pulses;
    w.log_mean_D_cm2_s = std::exp(logsum / w.pulses);
  }
  return w;
}

}  // namespace castor::gitt
