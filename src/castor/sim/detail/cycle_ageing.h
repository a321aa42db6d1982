// What happens to the cell between its cycles (the preset's [ageing] section): a cycle
// begins with a discharge after a charge; then the side reaction's rate takes its
// per-cycle decay and new material is wired in (activation, halving from cycle to cycle).
// After a discharge, before the charge, a share of the material, Ca-rich as the discharge
// left it, turns inert and keeps its ions (trapping; the paper: Ca-rich NTP becomes
// inert). Material wired in or cut off takes its ions with it: not a current, but in the
// charge ledger.
#pragma once

#include "castor/sim/detail/cell_model.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"

namespace castor::sim::detail {

class CycleAgeing {
 public:
  CycleAgeing(const CellParameters& parameters, Model& model);
  // Before each charge or discharge step (other steps do not age the cell).
  void before_step(StepType type, const double* x, ChargeLedger& ledger);
  int cycle() const { return cycle_; }

 private:
  void set_active(double fraction, const double* x, ChargeLedger& ledger);
  const CellParameters& p_;
  Model& model_;
  int cycle_ = 1;
  bool charged_since_ = false, discharged_since_ = false;
  double active_ = 0;
};

}  // namespace castor::sim::detail
