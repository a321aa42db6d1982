// A measured experiment as the identification sees it: the protocol that reproduces what
// the instrument did (from the file's own steps), the signal to compare with the model (the
// voltage where the current was imposed, the current where the potential was, or the
// complex impedance) and that signal's noise, estimated from the data.
#pragma once

#include <complex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "castor/core/direction.h"
#include "castor/core/table.h"
#include "castor/eis/spectrum.h"
#include "castor/sim/protocol.h"

namespace castor::fit {

// Which simulated voltage a measured voltage is: the working electrode against a reference
// (three-electrode files, simulated tables) or the two-electrode cell voltage (working
// electrode minus the counter electrode's overpotential; most cycler files).
enum class VoltageKind { automatic, electrode, cell };

struct MeasuredExperiment {
  std::string source;
  std::vector<sim::ProtocolStep> protocol;
  // Time-domain rows: time from the first row (s), the protocol step (from 0), the value
  // and whether it is a current (A; potentiostatic steps) or a voltage (V).
  std::vector<double> time_s, value;
  std::vector<std::size_t> step;
  std::vector<bool> is_current;
  VoltageKind voltage = VoltageKind::electrode;
  // Impedance: the spectrum measured after the protocol's last (impedance) step.
  std::vector<double> freq_Hz;
  std::vector<std::complex<double>> z_ohm;
  // Noise (one standard deviation) of the voltage (V), the current (A) and, relative to
  // |Z|, the impedance; how each was estimated.
  double noise_V = 0, noise_A = 0, noise_relative_z = 0;
  std::vector<std::string> notes;  // what was left out or assumed
  std::size_t points() const { return time_s.size() + 2 * freq_Hz.size(); }
};

// From a time-domain table: constant-current steps become "Charge/Discharge at I A for
// t s", rests "Rest for t s", potentiostatic sweeps "Sweep from V0 to V1 at r V/s", holds
// "Hold at V for t s"; impedance rows are left out (named in notes). Throws castor::Error
// naming the source when the table has no time, voltage or current, or no step castor can
// reproduce.
// `direction` charge or discharge keeps only those steps (none: every step).
MeasuredExperiment experiment_from_table(const Table& table, const std::string& source, VoltageKind voltage = VoltageKind::automatic,
                                         Direction direction = Direction::none);

// A spectrum measured after `before` (the steps that set the state; empty: at the
// parameter file's initial state). The impedance step uses the spectrum's own frequencies.
MeasuredExperiment experiment_from_spectrum(const eis::Spectrum& spectrum, std::vector<sim::ProtocolStep> before);

struct LoadOptions {
  std::optional<std::string> protocol;  // impedance files: the steps before the spectrum
  VoltageKind voltage = VoltageKind::automatic;
  // Time-domain files: only the rows of these cycles (the file's cycle column), first to last.
  std::optional<std::pair<int, int>> cycles;
  Direction direction = Direction::none;  // charge or discharge: only those steps; none: all
};

// Reads a file: an impedance file gives one experiment per spectrum (after the protocol),
// any other table one time-domain experiment (its own steps; no protocol then).
std::vector<MeasuredExperiment> load_experiments(const std::string& path, const LoadOptions& options = {});

// "3" or "3-5". Throws castor::Error naming the text.
std::pair<int, int> parse_cycle_range(const std::string& text);

// Robust noise of samples along a smooth curve: 1.4826 x median |second difference| / sqrt(6)
// over the runs given by `run` (second differences never straddle two runs); NaN when there
// are fewer than 5 points.
double second_difference_noise(const std::vector<double>& value, const std::vector<std::size_t>& run);

}  // namespace castor::fit
