// The experiment language (spec/simulator.md): one step per line or separated by ';',
// repeated blocks "( ... ) x N".
//   Discharge at 5 mA/g until 1.5 V          Charge at 0.05 C for 30 minutes
//   Rest for 10 minutes                        Hold at 2.6 V until 1 mA/g
//   Sweep from 2.6 V to 1.5 V at 0.1 mV/s      Impedance from 1 MHz to 10 mHz at 5 mV, 10 per decade
// Currents in A, mA, uA, A/g, mA/g (per gram of active material), mA/cm2, or C (C-rate of
// the theoretical capacity). Limits "until X V", "until X mA/g" and durations "for N s|
// min|minutes|h|hours" may be combined: "Discharge at 1 C until 1.5 V or 2 hours". A voltage
// limit is on the working electrode against the reference, or, written "until 1.4 V cell",
// on the two-electrode cell voltage (the working electrode minus the anode's overpotential).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace castor::sim {

enum class StepType { discharge, charge, rest, hold, sweep, impedance };

struct Amount {  // a current in one of the units above
  double value = 0;
  std::string unit;  // "A", "A/g", "A/m2" or "C"
};

struct ProtocolStep {
  StepType type = StepType::rest;
  std::string text;  // as written, for messages
  std::optional<Amount> current;
  std::optional<double> voltage_V;  // hold at / sweep from
  std::optional<double> sweep_to_V, sweep_rate_V_s;
  std::optional<double> until_voltage_V;
  bool limit_on_cell_voltage = false;  // "until 1.5 V cell": the two-electrode voltage
  std::optional<Amount> until_current;
  std::optional<double> duration_s;
  double f_start_Hz = 0, f_end_Hz = 0, amplitude_V = 0;
  int points_per_decade = 10;
  // Impedance at exactly these frequencies instead of the range (a measured spectrum's own,
  // when a model is fitted to it); not written in the protocol language.
  std::vector<double> frequencies_Hz;
};

// Parses the protocol; repeats are expanded. Throws castor::Error naming the step and the
// word that could not be read.
std::vector<ProtocolStep> parse_protocol(std::string_view text);

}  // namespace castor::sim
