#include "castor/core/step_kind.h"

#include <array>
#include <utility>

namespace castor {
namespace {
constexpr std::array<std::pair<StepKind, std::string_view>, 12> kNames{{
    {StepKind::unknown, "unknown"},
    {StepKind::rest, "rest"},
    {StepKind::cc_charge, "cc_charge"},
    {StepKind::cc_discharge, "cc_discharge"},
    {StepKind::cv_charge, "cv_charge"},
    {StepKind::cv_discharge, "cv_discharge"},
    {StepKind::cccv_charge, "cccv_charge"},
    {StepKind::cccv_discharge, "cccv_discharge"},
    {StepKind::impedance, "impedance"},
    {StepKind::sweep, "sweep"},
    {StepKind::pulse, "pulse"},
    {StepKind::other, "other"},
}};
}  // namespace

std::string_view to_string(StepKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "unknown";
}

std::optional<StepKind> step_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

bool is_charge(StepKind kind) {
  return kind == StepKind::cc_charge || kind == StepKind::cv_charge ||
         kind == StepKind::cccv_charge;
}

bool is_discharge(StepKind kind) {
  return kind == StepKind::cc_discharge || kind == StepKind::cv_discharge ||
         kind == StepKind::cccv_discharge;
}

}  // namespace castor
