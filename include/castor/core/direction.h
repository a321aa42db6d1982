// The direction of a current, a step, a half-cycle or a pulse: charge (oxidation of the
// working electrode, positive current in castor's common table) or discharge.
#pragma once

#include <string_view>

namespace castor {

enum class Direction : int { discharge = -1, none = 0, charge = 1 };

// +1 charge, -1 discharge, 0 none: the sign of the current in that direction.
constexpr int sign(Direction d) { return static_cast<int>(d); }
// The direction of a signed current (or charge): > 0 charge, < 0 discharge, else none.
constexpr Direction direction_of(double signed_value) {
  return signed_value > 0 ? Direction::charge : signed_value < 0 ? Direction::discharge : Direction::none;
}
constexpr Direction opposite(Direction d) { return static_cast<Direction>(-sign(d)); }
// "charge", "discharge" or "none".
constexpr std::string_view to_string(Direction d) {
  return d == Direction::charge ? "charge" : d == Direction::discharge ? "discharge" : "none";
}

}  // namespace castor
