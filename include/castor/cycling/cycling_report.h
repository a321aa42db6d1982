// The cycling evaluation as a report::Report: the per-cycle, half-cycle, step and rate
// tables with units, the headline values and the warnings, in the one form the Python
// module (.to_pandas(), .to_dict()), the batch and the HTML report consume.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "castor/cycling/cycling.h"
#include "castor/cycling/dqdv.h"
#include "castor/report/report.h"

namespace castor::cycling {

// Tables "cycles" (one row per cycle: capacities in mAh and, with a mass, mAh/g; CE as a
// fraction with its integration error; average voltages, energies, retention, hysteresis,
// flags), "half_cycles", "steps" and "rates". Values: cycles, first and last discharge
// (mAh, mAh/g), first and last CE, retention of the last cycle. The convention and the
// cycle rule are in the notes, the result's warnings in warnings.
report::Report to_report(const CyclingResult& result);

// dQ/dV of cycle `n` (numbered as analyse_cycling numbers it: the file's cycle index, or run
// order): one curve per half-cycle, of its main constant-current step, titled "cycle n
// charge" or "cycle n discharge". Throws castor::Error naming the file for a cycle that does
// not exist.
using TitledDqdv = std::pair<std::string, DqdvCurve>;
std::vector<TitledDqdv> dqdv_of_cycle(const Table& table, const CyclingResult& result, int n, const DqdvOptions& options);
// Tables "curves" (curve, voltage V, capacity, dQ/dV; long form) and "peaks" (curve,
// voltage V, |dQ/dV|, prominence); the method of each curve in the notes.
report::Report to_report(const std::vector<TitledDqdv>& curves, const std::string& source);

}  // namespace castor::cycling
