// Many independent simulations (parameter sweeps, the demo's experiments, identification's
// finite differences) on all cores: one simulation per task, tasks taken in order by a pool
// of threads. Each simulation is the same as simulate() alone (its own solver and state).
#pragma once

#include <vector>

#include "castor/sim/simulate.h"

namespace castor::sim {

struct SimulationJob {
  CellParameters params;
  std::vector<ProtocolStep> protocol;
  SimulationOptions options;
};

// Runs the jobs on `threads` threads (0: all cores; never more than the jobs); results in the
// jobs' order. If some fail, all still run and the error of the first failing job (in job
// order) is rethrown, as a loop over simulate() would have thrown it.
std::vector<SimulationResult> simulate_many(const std::vector<SimulationJob>& jobs, unsigned threads = 0);

}  // namespace castor::sim
