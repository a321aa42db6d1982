#include "castor/sim/detail/cycle_ageing.h"

#include <algorithm>
#include <cmath>

namespace castor::sim::detail {

CycleAgeing::CycleAgeing(const CellParameters& parameters, Model& model)
    : p_(parameters), model_(model), active_(parameters.active_fraction) {
  model_.side_scale_A = p_.side_i0_A_g * p_.arrhenius(p_.side_activation_kJ_mol) * p_.mass_g;
  model_.side_pass_C = p_.side_passivation_mAh_g * p_.mass_g * 3.6;
}

void CycleAgeing::set_active(double fraction, const double* x, ChargeLedger& ledger) {
  const double before = model_.stored_charge_C(x);
  active_ = std::clamp(fraction, 1e-3, 1.0);
  model_.set_active(active_);
  const double jump = model_.stored_charge_C(x) - before;
  (jump < 0 ? ledger.trapped_C : ledger.activated_C) += std::fabs(jump);
}

void CycleAgeing::before_step(StepType type, const double* x, ChargeLedger& ledger) {
  if (type != StepType::charge && type != StepType::discharge) return;
  if (type == StepType::discharge && charged_since_) {
    ++cycle_;
    charged_since_ = false;
    model_.side_scale_A =
        p_.side_i0_A_g * p_.arrhenius(p_.side_activation_kJ_mol) * p_.mass_g * std::pow(p_.side_decay_per_cycle, cycle_ - 1);
    if (p_.activation_per_cycle != 0) set_active(active_ + p_.activation_per_cycle * std::pow(0.5, cycle_ - 2), x, ledger);
  }
  if (type == StepType::charge && discharged_since_ && p_.trapping_per_cycle != 0) set_active(active_ - p_.trapping_per_cycle, x, ledger);
  if (type == StepType::charge) charged_since_ = true, discharged_since_ = false;
  if (type == StepType::discharge) discharged_since_ = true;
}

}  // namespace castor::sim::detail
