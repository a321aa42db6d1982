// Recognising common quantities in text exports by column name and unit.
//
// Text exports name their columns in many ways ("Voltage / V", "Voltage(V)", "U[V]",
// "voltage_V", "Ecell/V"). castor splits a name into a stem and a unit, looks the stem up
// in a list of known names for each common column, and converts the unit to the common
// one ("I/mA" -> current_A x 1e-3). A user-given mapping always wins over the guess.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "castor/core/table.h"

namespace castor::io {

struct NameAndUnit {
  std::string stem;  // lower case, '_' '-' '.' as spaces: "test time"
  std::string unit;  // as written: "s", "mA", "mA.h", "°C"; empty when none
};
// "Voltage / V" -> {"voltage", "V"}; "Current(A)" -> {"current", "A"}; "U[V]" -> {"u", "V"};
// "test_time_s" -> {"test time", "s"}; "Cycle Count / 1" -> {"cycle count", "1"}.
NameAndUnit split_name_unit(std::string_view name);

// Factor that converts a value in `unit` to `target` (one of s, V, A, mAh, mWh, °C, Hz,
// Ohm, or "" for counts); nullopt when the units are not of the same kind.
std::optional<double> unit_factor(std::string_view unit, std::string_view target);

// How to fill the common columns from a text export's raw columns.
struct ColumnMapping {
  // common column name -> source column name, optionally "source|unit" to state the unit
  // of a column whose name carries none (e.g. {"current_A", "I|mA"}).
  std::map<std::string, std::string> explicit_sources;
  // Guess the other common columns from the column names.
  bool guess = true;
};

// Adds common columns (time_s, step_time_s, voltage_V, current_A, cycle, step, step_kind,
// temperature_C, capacities, energies, freq_Hz, impedance) to `table` from its raw columns.
// Time columns written as "hh:mm:ss" durations or as calendar dates are converted (dates
// become seconds since the first row, and set meta.start_time). A step-label text column
// ("Step Type", "step_name", "Command", "State") gives step_kind; when the file stores
// current magnitudes only, the current is signed by the step kind. Assumed units are
// recorded in meta.extra["assumed_units"]. Throws castor::Error when an explicit mapping
// names a column the file lacks or a unit that cannot be converted.
void add_common_columns_by_name(Table& table, const ColumnMapping& mapping = {});

}  // namespace castor::io
