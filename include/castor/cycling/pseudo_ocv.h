// A pseudo open-circuit curve from one slow cycle: the mean of its charge and discharge
// voltages at the same state of charge (the kinetic and ohmic overpotentials cancel where
// they are symmetric; half the gap between the two curves is what is left unexplained). The
// simulator takes it as `cathode.ocv_table` (filling from 0, charged, to 1, discharged: the
// inserted ion's filling of a cathode).
#pragma once

#include <string>
#include <vector>

#include "castor/core/table.h"
#include "castor/cycling/cycling.h"

namespace castor::cycling {

struct PseudoOcv {
  int cycle = 0;
  double capacity_mAh = 0;  // the smaller of the cycle's charge and discharge capacities
  double charge_mAh = 0, discharge_mAh = 0;
  std::vector<double> filling, ocv_V;  // filling increasing, 0 = charged
  std::vector<double> half_gap_V;      // (V charge - V discharge) / 2 at each filling
  std::vector<std::string> notes;
};

// Throws castor::Error naming the file when the cycle lacks a charge or a discharge or has
// too few rows.
PseudoOcv pseudo_ocv(const Table& table, const CyclingResult& cycling, int cycle, int points = 41);

}  // namespace castor::cycling
