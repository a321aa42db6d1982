// One control per kind of protocol step (PyBaMM's "experiment steps"): what the step asks
// of the cell model (galvanostatic or potentiostatic, its setpoint, a sweep), which limits
// end it and how long it may run. The IDA driver (simulate.cpp) only integrates what the
// control planned; impedance steps are the linear response (linear_response.h), not a
// control.
#pragma once

#include <memory>
#include <optional>

#include "castor/core/step_kind.h"
#include "castor/sim/detail/cell_model.h"
#include "castor/sim/protocol.h"

namespace castor::sim::detail {

// The cell's scales a step's amounts refer to.
struct StepScales {
  double mass_g = 0;         // active mass (A/g)
  double anode_area_m2 = 0;  // A/m2
  double capacity_C = 0;     // the whole cathode's theoretical charge (C rates, time bounds)
};

struct StepPlan {
  StepKind kind = StepKind::rest;
  Mode mode = Mode::galvanostatic;
  double setpoint = 0;                  // A (galvanostatic, + = charge) or V (potentiostatic)
  double sweep_v0 = 0, sweep_rate = 0;  // V, V/s; rate 0: no sweep
  std::optional<double> v_limit;        // V: the step ends when the voltage reaches it
  bool cell_limit = false;              // v_limit is on the two-electrode voltage
  std::optional<double> i_limit;        // A: the step ends when |I| falls to it
  double duration_s = 0;                // how long it may run
  // True when the step is limited only by v_limit / i_limit: reaching duration_s instead
  // is an error (the limit is out of reach), not the step's end.
  bool duration_is_bound = false;
};

class StepControl {
 public:
  StepControl(const ProtocolStep& step, const StepScales& scales) : step_(step), scales_(scales) {}
  virtual ~StepControl() = default;
  // The plan at time t_s, with the working electrode at electrode_V. Throws castor::Error
  // naming the step when an amount has a unit it cannot use.
  virtual StepPlan plan(double t_s, double electrode_V) const = 0;

 protected:
  const ProtocolStep& step_;
  StepScales scales_;
};

// Charge / Discharge at a current, until a voltage (of the working electrode or of the
// cell) or for a time.
class GalvanostaticControl final : public StepControl {
 public:
  using StepControl::StepControl;
  StepPlan plan(double t_s, double electrode_V) const override;
};

// Rest for a time: no current.
class RestControl final : public StepControl {
 public:
  using StepControl::StepControl;
  StepPlan plan(double t_s, double electrode_V) const override;
};

// Hold at a voltage until the current falls to a limit, or for a time (the CV part of a
// CC-CV step: a charge when the hold is above the present potential, else a discharge).
class HoldControl final : public StepControl {
 public:
  using StepControl::StepControl;
  StepPlan plan(double t_s, double electrode_V) const override;
};

// Sweep from one voltage to another at a rate (cyclic voltammetry, one branch per step).
class SweepControl final : public StepControl {
 public:
  using StepControl::StepControl;
  StepPlan plan(double t_s, double electrode_V) const override;
};

// The control of a step; nullptr for an impedance step (no time integration).
std::unique_ptr<StepControl> make_control(const ProtocolStep& step, const StepScales& scales);

// Amperes of a protocol amount: A, A/g (active mass), A/m2 (anode area), C (C rate).
double amperes(const Amount& amount, const ProtocolStep& step, const StepScales& scales);

// How long a step limited only by a voltage or a current may run before its limit counts
// as out of reach: ten times the time `current_A` takes to fill or empty the whole cathode,
// at least a day.
double unlimited_bound_s(const StepScales& scales, double current_A);

}  // namespace castor::sim::detail
