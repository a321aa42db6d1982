#include "castor/sim/detail/step_controls.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::sim::detail {

double amperes(const Amount& a, const ProtocolStep& s, const StepScales& scales) {
  if (a.unit == "A") return a.value;
  if (a.unit == "A/g") return a.value * scales.mass_g;
  if (a.unit == "A/m2") return a.value * scales.anode_area_m2;
  if (a.unit == "C") return a.value * scales.capacity_C / 3600.0;
  throw Error(fmt::format("protocol step '{}': unknown current unit {}", s.text, a.unit));
}

double unlimited_bound_s(const StepScales& scales, double current_A) { return std::max(86400.0, 10 * scales.capacity_C / current_A); }

StepPlan GalvanostaticControl::plan(double, double) const {
  StepPlan p;
  const double a = std::fabs(amperes(*step_.current, step_, scales_));
  const bool charge = step_.type == StepType::charge;
  p.mode = Mode::galvanostatic;
  p.setpoint = charge ? a : -a;
  p.kind = charge ? StepKind::cc_charge : StepKind::cc_discharge;
  p.v_limit = step_.until_voltage_V;
  p.cell_limit = step_.until_voltage_V && step_.limit_on_cell_voltage;
  p.duration_is_bound = !step_.duration_s;
  p.duration_s = step_.duration_s ? *step_.duration_s : unlimited_bound_s(scales_, a);
  return p;
}

StepPlan RestControl::plan(double, double) const {
  StepPlan p;
  p.kind = StepKind::rest;
  p.mode = Mode::galvanostatic;
  p.setpoint = 0;
  p.duration_s = step_.duration_s ? *step_.duration_s : 0.0;
  return p;
}

StepPlan HoldControl::plan(double, double electrode_V) const {
  StepPlan p;
  p.mode = Mode::potentiostatic;
  p.setpoint = *step_.voltage_V;
  p.kind = p.setpoint >= electrode_V ? StepKind::cccv_charge : StepKind::cccv_discharge;
  if (step_.until_current) p.i_limit = std::fabs(amperes(*step_.until_current, step_, scales_));
  if (!step_.duration_s && !p.i_limit)
    throw Error(fmt::format("protocol step '{}': a hold needs a time or a current to end at", step_.text));
  p.duration_is_bound = !step_.duration_s;
  p.duration_s = step_.duration_s ? *step_.duration_s : unlimited_bound_s(scales_, *p.i_limit);
  return p;
}

StepPlan SweepControl::plan(double, double) const {
  StepPlan p;
  p.kind = StepKind::sweep;
  p.mode = Mode::potentiostatic;
  const double v0 = *step_.voltage_V, v1 = *step_.sweep_to_V;
  p.sweep_v0 = v0;
  p.sweep_rate = (v1 > v0 ? 1 : -1) * *step_.sweep_rate_V_s;
  p.setpoint = v0;
  p.duration_s = std::fabs(v1 - v0) / *step_.sweep_rate_V_s;
  return p;
}

std::unique_ptr<StepControl> make_control(const ProtocolStep& step, const StepScales& scales) {
  switch (step.type) {
    case StepType::discharge:
    case StepType::charge:
      return std::make_unique<GalvanostaticControl>(step, scales);
    case StepType::rest:
      return std::make_unique<RestControl>(step, scales);
    case StepType::hold:
      return std::make_unique<HoldControl>(step, scales);
    case StepType::sweep:
      return std::make_unique<SweepControl>(step, scales);
    case StepType::impedance:
      return nullptr;
  }
  return nullptr;
}

}  // namespace castor::sim::detail
