// The impedance of the cell model (internal): the model linearised at its present state
// with the cell current held, (j w M + K) dx = e dI, solved at each frequency.
#pragma once

#include <cstddef>

#include "castor/sim/detail/cell_model.h"
#include "castor/sim/protocol.h"
#include "castor/sim/simulate.h"

namespace castor::sim::detail {

// The spectrum of an "Impedance from ... to ..." step at state x (consistent algebraics are
// solved first, so x changes). Z = dphi + Rs dI. Throws castor::Error when the linearised
// system is singular at a frequency.
SimulatedSpectrum linear_response(Model& model, double* x, const ProtocolStep& step, std::size_t step_index, double series_resistance_ohm);

}  // namespace castor::sim::detail
