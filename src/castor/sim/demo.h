// The built-in demonstration: the ntp-ca cell taken through the paper's experiments by the
// simulator, and analysed by castor's own analyses, next to the paper's numbers.
#pragma once

#include <string>
#include <vector>

#include "castor/sim/parameters.h"

namespace castor::sim {

struct DemoLine {
  std::string quantity, paper, castor, note;
};

struct DemoResult {
  std::vector<DemoLine> lines;
  std::vector<double> discharge_mAh_g, charge_mAh_g;  // per cycle
  double seconds = 0;                                   // wall time of all simulations
};

DemoResult run_demo(const CellParameters& parameters, int cycles = 15);
std::string format_demo(const DemoResult& result);

}  // namespace castor::sim
