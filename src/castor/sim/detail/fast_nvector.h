// Compiled vector kernels for SUNDIALS' serial N_Vector.
//
// Debian 12 builds libsundials_ida (which carries its own copy of the serial vector) without
// optimisation: its weighted RMS norm and linear sums run a loop that loads and stores every
// index through the stack, and took a fifth of a 2000-unknown simulation (docs/performance.md).
// SUNDIALS lets a program replace a vector's operations; castor installs these on the vectors
// it hands to IDA (IDA's clones copy the operation table), with the same arithmetic.
#pragma once

#include <nvector/nvector_serial.h>

namespace castor::sim::detail {

// Replaces the element-wise operations, norms and fused operations of a serial vector by
// compiled ones (and enables the fused linear combination IDA's predictor uses).
void use_compiled_vector_ops(N_Vector v);

}  // namespace castor::sim::detail
