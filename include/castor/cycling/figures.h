// The cycling figures: voltage-capacity profiles, dQ/dV, capacity and coulombic efficiency
// against cycle, capacity against current (paper Fig. 2c, 2e, 3d, 3e), for one cell or
// several on one figure (measured and simulated alike: the simulator writes the same table).
#pragma once

#include <string>
#include <vector>

#include "castor/core/table.h"
#include "castor/cycling/cycling.h"
#include "castor/report/gnuplot.h"

namespace castor::cycling {

// One cell on a figure: its name in the key, its table and its evaluation.
struct Cell {
  std::string name;
  const Table* table = nullptr;
  const CyclingResult* result = nullptr;
};

// Voltage against capacity of every half-cycle of the given cycles (numbered as the result
// numbers them; empty: every cycle for one cell, the first complete cycle of each for
// several). One cell with more than six cycles is coloured by cycle on a colour map with a
// colour bar; otherwise each cycle (one cell) or each cell has its own colour.
report::Figure profile_figure(const std::vector<Cell>& cells, const std::vector<int>& cycles = {});
report::Figure profile_figure(const Table& table, const CyclingResult& result, const std::vector<int>& cycles = {});
report::Figure dqdv_figure(const std::vector<DqdvCurve>& curves, const std::vector<std::string>& titles);
// Charge and discharge capacity and CE against cycle. CEs of flagged cycles (partial,
// unfinished, above 100 %, coarse sampling) stay off the axis and are listed under the plot.
report::Figure capacity_figure(const std::vector<Cell>& cells);
report::Figure capacity_figure(const CyclingResult& result);
// Mean capacity against current of each rate (the rate table), charge and discharge, log x.
report::Figure rate_figure(const std::vector<Cell>& cells);

}  // namespace castor::cycling
