#include "castor/gitt/gitt_report.h"

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/parse_number.h"

namespace castor::gitt {

SocWindow parse_soc_window(const std::string& w) {
  const auto colon = w.find(':'), dash = w.find('-', colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos || dash == std::string::npos)
    throw Error(fmt::format("--window '{}': expected discharge:0.2-0.6 or charge:0.2-0.8", w), ErrorKind::usage);
  const std::string side = w.substr(0, colon);
  SocWindow s;
  s.direction = side == "charge" ? Direction::charge : side == "discharge" ? Direction::discharge : Direction::none;
  if (s.direction == Direction::none) throw Error(fmt::format("--window '{}': the side is charge or discharge", w), ErrorKind::usage);
  s.soc_low = parse_number(w.substr(colon + 1, dash - colon - 1), fmt::format("--window '{}': the lower SOC", w));
  s.soc_high = parse_number(w.substr(dash + 1), fmt::format("--window '{}': the upper SOC", w));
  if (!(s.soc_low >= 0 && s.soc_high <= 1 && s.soc_low < s.soc_high))
    throw Error(fmt::format("--window '{}': SOC limits must satisfy 0 <= low < high <= 1", w), ErrorKind::usage);
  return s;
}

std::vector<SocWindow> default_soc_windows() { return {{Direction::discharge, 0.2, 0.6}, {Direction::charge, 0.2, 0.8}}; }

report::Report to_report(const GittResult& r, const GittOptions& o, const std::string& source, const std::vector<SocWindow>& windows) {
  report::Report rep;
  rep.analysis = "gitt";
  rep.source = source;
  const std::string geometry = o.geometry == Geometry::sphere
                                   ? fmt::format("sphere r = {:g} nm", o.radius_cm * 1e7)
                                   : fmt::format("electrode S = {:g} cm2, V_M = {:g} cm3/mol", o.area_cm2, o.molar_volume_cm3_mol);
  rep.summary = fmt::format("{} ({}, {}; M = {:.2f} g/mol)", r.summary, geometry,
                            o.slope == Slope::sqrt_time_fit ? "dE/dsqrt(t) fit" : "end points", o.molar_mass_g_mol);
  report::ReportTable t;
  t.name = "pulses";
  auto column = [&](auto field) {
    std::vector<double> v;
    for (const auto& p : r.pulses) v.push_back(field(p));
    return v;
  };
  auto texts = [&](auto field) {
    std::vector<std::string> v;
    for (const auto& p : r.pulses) v.push_back(field(p));
    return v;
  };
  t.add_numbers("pulse", "", column([](const GittPulse& p) { return double(p.index); }), "{:.0f}", "#");
  t.add_texts("direction", texts([](const GittPulse& p) { return std::string(p.direction == Direction::charge ? "charge" : "discharge"); }))
      .in_text = false;
  t.add_numbers("current", "A", column([](const GittPulse& p) { return p.current_A; }), "{:.4g}", "I mA", 1e3);
  t.add_numbers("tau", "s", column([](const GittPulse& p) { return p.tau_s; }), "{:.0f}", "tau s");
  t.add_numbers("rest", "s", column([](const GittPulse& p) { return p.rest_s; })).in_text = false;
  t.add_numbers("soc", "", column([](const GittPulse& p) { return p.soc; }), "{:.1f}", "SOC %", 100);
  t.add_numbers("x", "", column([](const GittPulse& p) { return p.x; }), "{:.4f}", "x");
  t.add_numbers("E0", "V", column([](const GittPulse& p) { return p.e0_V; })).in_text = false;
  t.add_numbers("E_after_IR", "V", column([](const GittPulse& p) { return p.e_after_ir_V; })).in_text = false;
  t.add_numbers("E_pulse_end", "V", column([](const GittPulse& p) { return p.e_pulse_end_V; })).in_text = false;
  t.add_numbers("E_rest_end", "V", column([](const GittPulse& p) { return p.e_rest_end_V; })).in_text = false;
  t.add_numbers("dEs", "V", column([](const GittPulse& p) { return p.dEs_V; }), "{:.3f}", "dEs mV", 1e3);
  t.add_numbers("dEt", "V", column([](const GittPulse& p) { return p.dEt_V; }), "{:.3f}", "dEt mV", 1e3);
  t.add_numbers("IR_drop", "V", column([](const GittPulse& p) { return p.ir_drop_V; }), "{:.3f}", "IR mV", 1e3);
  t.add_numbers("overpotential", "V", column([](const GittPulse& p) { return p.overpotential_V; })).in_text = false;
  t.add_numbers("dE_dsqrt_t", "V/s^0.5", column([](const GittPulse& p) { return p.dE_dsqrt_t; })).in_text = false;
  t.add_numbers("sqrt_t_r2", "", column([](const GittPulse& p) { return p.sqrt_t_r2; })).in_text = false;
  t.add_numbers("D", "cm2/s", column([](const GittPulse& p) { return p.D_cm2_s; }), "{:.3e}", "D cm2/s");
  t.add_numbers("diffusion_time", "s", column([](const GittPulse& p) { return p.diffusion_time_s; })).in_text = false;
  t.add_texts("valid", texts([](const GittPulse& p) { return std::string(p.valid ? "yes" : "NO"); }));
  t.add_texts("note", texts([](const GittPulse& p) { return p.note; })).in_text = false;
  rep.tables.push_back(std::move(t));
  for (const auto& w : windows) {
    const auto avg = window_average(r, w.direction, w.soc_low, w.soc_high);
    if (avg.pulses == 0) continue;
    const std::string side = w.direction == Direction::charge ? "charge" : "discharge";
    rep.values.push_back({fmt::format("mean_D_{}_soc_{:.0f}_{:.0f}", side, 100 * avg.soc_low, 100 * avg.soc_high),
                          fmt::format("{} SOC {:.0f}-{:.0f} %: mean D", side, 100 * avg.soc_low, 100 * avg.soc_high), avg.mean_D_cm2_s,
                          "cm2/s",
                          fmt::format("geometric {:.3e}, over {} pulses, {} valid", avg.log_mean_D_cm2_s, avg.pulses, avg.valid_pulses)});
  }
  rep.warnings = r.warnings;
  return rep;
}

}  // namespace castor::gitt
