// What a step of a protocol does. Stored in the common table's step_kind column as its
// integer value so that the table stays numeric.
#pragma once

#include <optional>
#include <string_view>

namespace castor {

enum class StepKind : int {
  unknown = 0,
  rest = 1,
  cc_charge = 2,
  cc_discharge = 3,
  cv_charge = 4,
  cv_discharge = 5,
  cccv_charge = 6,
  cccv_discharge = 7,
  impedance = 8,
  sweep = 9,
  pulse = 10,
  other = 11,
};

std::string_view to_string(StepKind kind);
std::optional<StepKind> step_kind_from_string(std::string_view name);
// Reads a cycler's step label ("CC Chg", "CCCV_DChg", "Rest", "discharge CC", "Pause",
// "Charge", "OCV", "EIS", "Pulse"), case-insensitively. Unrecognised labels give other;
// an empty label gives unknown.
StepKind step_kind_from_label(std::string_view label);
// A step_kind column's value back to the kind; unknown for anything that is not one of the
// kinds' numbers (NaN, fractions, out of range: the column may come from a user's file).
inline StepKind step_kind_from_number(double v) {
  return v >= 0 && v <= static_cast<double>(StepKind::other) && v == static_cast<double>(static_cast<int>(v))
             ? static_cast<StepKind>(static_cast<int>(v))
             : StepKind::unknown;
}
bool is_charge(StepKind kind);
bool is_discharge(StepKind kind);

}  // namespace castor
