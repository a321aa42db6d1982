// Voltage hysteresis between a charge and a discharge, and plateau flatness of a step
// (analyses.md section 3).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "castor/core/table.h"
#include "castor/cycling/dqdv.h"
#include "castor/cycling/steps.h"

namespace castor::cycling {

enum class HysteresisMethod { dqdv_peaks, soc50 };

struct Hysteresis {
  double value_V = 0;  // V(charge) - V(discharge)
  double charge_V = 0, discharge_V = 0;
  HysteresisMethod method = HysteresisMethod::dqdv_peaks;
  std::string note;  // why the fallback was used, if it was
};

// From the dQ/dV peaks of one redox couple: the charge's tallest and the discharge peak
// nearest to it in potential among those at least half as tall as the discharge's tallest
// and not above it (note says when that is not the discharge's tallest, or when several couples are of
// similar height); when either curve has no peak, or when `force_soc50`, from the voltages
// at 50 % of each step's own capacity.
Hysteresis hysteresis(const Table& table, const Step& charge, const Step& discharge, const DqdvOptions& dqdv = {}, bool force_soc50 = false,
                      std::string_view voltage_column = "voltage_V");

struct Flatness {
  double soc_low = 0.2, soc_high = 0.8;
  double voltage_low_soc_V = 0, voltage_high_soc_V = 0;  // V at the two SOCs
  double capacity_window = 0;                            // Q(high) - Q(low), in `unit`'s capacity
  double endpoint_mV_per = 0;                            // |V(high) - V(low)| / window
  double least_squares_mV_per = 0;                       // |slope| of V against Q over the window
  std::string unit;                                      // "mV per mAh/g" or "mV per mAh"
};

// Flatness of one step over SOC [soc_low, soc_high] of the step's own capacity. Throws
// castor::Error when the window holds fewer than three points.
Flatness plateau_flatness(const Table& table, const Step& step, std::optional<double> mass_g, double soc_low = 0.2, double soc_high = 0.8,
                          std::string_view voltage_column = "voltage_V");

// A copy of the table with cell_voltage_V = voltage_V - counter_voltage_V (the
// two-electrode voltage of a three-electrode run). Throws when there is no counter column.
Table with_cell_voltage(const Table& table);

}  // namespace castor::cycling
