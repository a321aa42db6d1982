// Charge, energy and average voltage of a step, by trapezoidal integration of the current.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "castor/core/table.h"
#include "castor/cycling/steps.h"

namespace castor::cycling {

// The active mass of an electrode and how it was obtained.
struct ActiveMass {
  double grams = 0;
  std::string how;  // e.g. "1.21 mg/cm2 x 1.13 cm2"

  static ActiveMass given_mg(double mg);
  static ActiveMass from_loading(double loading_mg_cm2, double area_cm2);
  // Electrode (coating) mass times the product of the mass fractions, e.g. the paper's
  // 0.78 (composite in the electrode) x 0.80 (NTP in the composite).
  static ActiveMass from_electrode(double electrode_mg, const std::vector<double>& fractions);
};

struct StepCharge {
  double capacity_mAh = 0;       // integral of |I| dt
  double energy_mWh = 0;         // integral of V |I| dt
  double average_voltage_V = 0;  // integral V dQ / Q (NaN when Q = 0)
  double start_voltage_V = 0, end_voltage_V = 0;
};

// The charge (mAh), energy (mWh) and average voltage (V) of one step, from the
// instrument's counter where the file has one and agrees with the integral of |I| dt, else
// from the integral (capacity_source says which).
StepCharge step_charge(const Table& table, const Step& step, std::string_view voltage_column = "voltage_V");

// Running capacity (mAh, from 0) over the rows of a step.
std::vector<double> running_capacity_mAh(const Table& table, const Step& step);

// Voltage at a state of charge of the step (0..1 of the step's own capacity), linearly
// interpolated; NaN when the step passes no charge.
double voltage_at_soc(const std::vector<double>& capacity, const std::vector<double>& voltage, double soc);

}  // namespace castor::cycling
