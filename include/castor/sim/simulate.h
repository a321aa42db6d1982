// The cell simulator: a population of cathode particles (homogeneous or with radial
// diffusion on conservative finite volumes), Butler-Volmer kinetics with film resistance
// and double-layer capacitance, a metal anode with its own asymmetric Butler-Volmer, a
// series resistance. The differential-algebraic system is integrated by SUNDIALS IDA with
// an analytic Jacobian, solved by castor's bordered block LU (each particle group a band
// block, the shared unknowns a border: sim/detail/bordered_block_lu.h); step limits (voltage, current)
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
  double rtol = 1e-7, atol = 1e-9;
  long max_solver_steps_per_step = 500000;  // bounded work: beyond this a step fails with an error
  long max_solver_steps = 5000000;          // and the whole run
  // The charge ledger (passed = insertion + side + double layer) must balance to this,
  // relative to the charge moved; else an error.
  double ledger_tolerance = 1e-6;
  // The particles' fillings must account for the insertion term to this: their integration
  // error (the unknowns are logits of the fillings, which BDF does not conserve exactly;
  // 1e-8 to 2e-6 of the charge moved at the default rtol 1e-7, 1e-5 at rtol 1e-6).
  double fillings_tolerance = 1e-4;
  bool record_fillings = false;  // one column per particle group (mean filling)
  // Called after each protocol step: (step index from 0, steps in all, simulated time s).
  std::function<void(std::size_t, std::size_t, double)> progress;
};

struct SimulatedSpectrum {
  std::size_t after_step = 0;  // protocol step index
  std::vector<double> freq_Hz;
  std::vector<std::complex<double>> z_ohm;  // working electrode vs reference
};

// Where the charge that passed through the cell went (C; > 0 in the charge direction, ions
// leaving the cathode). passed = insertion + side + double_layer by construction of the
// model; insertion_from_fillings is the same insertion counted from the particles' fillings
// (stored charge at the start - at the end, less material trapped, plus material activated).
// Both balances are checked against SimulationOptions::ledger_tolerance.
struct ChargeLedger {
  double passed_C = 0;                    // integral of the cell current
  double insertion_C = 0;                 // integral of the particles' faradaic currents
  double side_C = 0;                      // side reaction (< 0: reduction)
  double double_layer_C = 0;              // double-layer charging during the steps
  double double_layer_jumps_C = 0;        // at step starts (potential steps), not in the current record
  double trapped_C = 0, activated_C = 0;  // ions in material cut off / wired in between cycles
  double insertion_from_fillings_C = 0;
  double throughput_C = 0;  // charge moved, step by step (|net| of each step, summed)
  double scale_C = 0;       // max(throughput, |side|): the imbalances are relative to it
  double imbalance = 0, fillings_imbalance = 0;
};

struct SimulationResult {
  Table table;  // time_s, voltage_V (vs reference), current_A, counter_voltage_V, ...
  std::vector<SimulatedSpectrum> spectra;
  double charge_passed_C = 0;  // integral of the current
  double stored_change_C = 0;  // change of the ions stored in the particles (as charge)
  double side_charge_C = 0;    // charge of the side reaction (negative: reduction)
  ChargeLedger ledger;
  long solver_steps = 0;
  // The integrator's work, summed over the protocol steps (what the run's time goes into):
  // residual evaluations, Jacobian evaluations, linear-solver setups (factorisations),
  // Newton iterations, and the steps IDA rejected (error test, Newton not converging).
  struct SolverWork {
    long residuals = 0, jacobians = 0, factorizations = 0, newton_iterations = 0;
    long error_test_failures = 0, newton_failures = 0;
  } work;
};

// Runs the cell through the protocol and returns the common table (time_s, voltage_V,
// current_A, ...), the charge ledger and the solver's statistics. Throws castor::Error when
// the parameters are invalid or the solution leaves physical bounds (it never returns one).
SimulationResult simulate(const CellParameters& parameters, const std::vector<ProtocolStep>& protocol,
                          const SimulationOptions& options = {});

// A test of the model's analytic Jacobian: central finite differences of the residual at a
// state with the given fillings (one per volume, the list repeated over the volumes and
// groups), cathode potential, cell current and side charge, in either control mode. Returns
// the largest difference relative to its row's largest entry, with where it is.
struct JacobianCheck {
  double max_relative_error = 0;
  std::size_t row = 0, column = 0;
  double analytic = 0, finite_difference = 0;
};
JacobianCheck check_jacobian(const CellParameters& parameters, const std::vector<double>& fillings, double phi_V, double current_A,
                             bool potentiostatic, double side_charge_C = 0);

// Counter-electrode potential vs the reference (V) while the cell current is current_A (> 0
// charges the cathode) and the charge charge_passed_C has passed since the start: the
// metal's overpotential (anode_overpotential_V at -current_A), or a capacitor's
// counter_initial_V - Q / C plus its ohmic drop.
double counter_electrode_V(const CellParameters& p, double current_A, double charge_passed_C);

// Anode overpotential (V vs the metal's own reference) that passes `current_A` (> 0
// oxidation = stripping) by Butler-Volmer.
double anode_overpotential_V(const CellParameters& p, double current_A);

}  // namespace castor::sim
