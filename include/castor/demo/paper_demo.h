// The built-in demonstration (outside the simulator library, which it only calls): the ntp-ca cell taken through the paper's experiments by the
// simulator with one parameter set, analysed by castor's own analyses, next to the paper's
// numbers. Every row says what kind of number castor's is:
//   calibrated - a parameter of the preset was chosen to match the paper's number;
//   derived    - arithmetic on other rows or on the paper's own data (no new physics);
//   predicted  - not used in any calibration: a test of the model against the paper;
//   check      - a numerical check of the method (an experiment outside the preset), with
//                the settings it changes listed in its note.
// Where a prediction disagrees with the paper, the row says so ("agrees: no").
#pragma once

#include <string>
#include <vector>

#include "castor/sim/parameters.h"

namespace castor::demo {

using sim::CellParameters;

enum class DemoKind { calibrated, derived, predicted, check };
std::string to_string(DemoKind kind);

struct DemoLine {
  std::string quantity, paper, castor, note;
  DemoKind kind = DemoKind::predicted;
  std::string agrees;  // predicted rows: "yes", "no" or "partly", with the reason in note
};

struct DemoResult {
  std::vector<DemoLine> lines;
  std::vector<double> discharge_mAh_g, charge_mAh_g;                                // per cycle, at 5 mA/g
  std::vector<double> rate_mA_g, rate_charge_mAh_g;                                 // capacity against rate (fresh cells)
  std::vector<double> rate_discharge_overpotential_V, rate_charge_overpotential_V;  // against 5 mA/g
  std::vector<double> rct_after_discharge_ohm, rct_after_charge_ohm;                // per cycle
  double seconds = 0;                                                               // wall time of all simulations
};

// Simulates the paper's experiments with `parameters` and compares castor's analyses of them
// with the paper's numbers, each row marked calibrated, derived, predicted or check;
// format_demo is the table `castor demo` prints.
DemoResult run_demo(const CellParameters& parameters, int cycles = 15);
std::string format_demo(const DemoResult& result);

}  // namespace castor::demo
