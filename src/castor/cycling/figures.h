// The cycling figures: voltage-capacity profiles, dQ/dV, capacity and coulombic efficiency
// against cycle (paper Fig. 2c, 2e, 3d, 3e).
#pragma once

#include <vector>

#include "castor/core/table.h"
#include "castor/cycling/cycling.h"
#include "castor/report/gnuplot.h"

namespace castor::cycling {

// Voltage against capacity of every half-cycle of the given cycles (all when empty).
report::Figure profile_figure(const Table& table, const CyclingResult& result, const std::vector<int>& cycles = {});
report::Figure dqdv_figure(const std::vector<DqdvCurve>& curves, const std::vector<std::string>& titles);
report::Figure capacity_figure(const CyclingResult& result);

}  // namespace castor::cycling
