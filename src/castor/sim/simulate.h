// The cell simulator: a population of cathode particles (homogeneous or with radial
// diffusion on conservative finite volumes), Butler-Volmer kinetics with film resistance
// and double-layer capacitance, a metal anode with its own asymmetric Butler-Volmer, a
// series resistance. The differential-algebraic system is integrated by SUNDIALS IDA with
// the KLU sparse direct solver and an analytic Jacobian; step limits (voltage, current)
// are IDA root functions, so steps end exactly at them. The output is castor's common
// table, so every analysis runs on it unchanged.
#pragma once

#include <complex>
#include <functional>
#include <string>
#include <vector>

#include "castor/core/table.h"
#include "castor/sim/parameters.h"
#include "castor/sim/protocol.h"

namespace castor::sim {

struct SimulationOptions {
  double rtol = 1e-6, atol = 1e-9;
  long max_solver_steps_per_step = 500000;  // bounded work: beyond this a step fails with an error
  bool record_fillings = false;             // one column per particle group (mean filling)
  // Called after each protocol step: (step index from 0, steps in all, simulated time s).
  std::function<void(std::size_t, std::size_t, double)> progress;
};

struct SimulatedSpectrum {
  std::size_t after_step = 0;  // protocol step index
  std::vector<double> freq_Hz;
  std::vector<std::complex<double>> z_ohm;  // working electrode vs reference
};

struct SimulationResult {
  Table table;                          // time_s, voltage_V (vs reference), current_A, counter_voltage_V, ...
  std::vector<SimulatedSpectrum> spectra;
  double charge_passed_C = 0;           // integral of the current
  double stored_change_C = 0;           // change of the ions stored in the particles (as charge)
  double side_charge_C = 0;             // charge of the side reaction (negative: reduction)
  long solver_steps = 0;
};

SimulationResult simulate(const CellParameters& parameters, const std::vector<ProtocolStep>& protocol,
                          const SimulationOptions& options = {});

// Anode overpotential (V vs the metal's own reference) that passes `current_A` (> 0
// oxidation = stripping) by Butler-Volmer.
double anode_overpotential_V(const CellParameters& p, double current_A);

}  // namespace castor::sim
