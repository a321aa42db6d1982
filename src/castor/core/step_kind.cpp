#include "castor/core/step_kind.h"

#include <array>
#include <cctype>
#include <string>
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

StepKind step_kind_from_label(std::string_view label) {
  std::string s;
  for (char c : label) {
    if (c == '_' || c == '-' || c == '.') c = ' ';
    s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  if (s.empty()) return StepKind::unknown;
  auto has = [&](std::string_view w) { return s.find(w) != std::string::npos; };
  if (has("rest") || has("pause") || has("ocv") || has("open circuit") || s == "r" || s == "o") return StepKind::rest;
  if (has("eis") || has("impedance")) return StepKind::impedance;
  if (has("pulse")) return StepKind::pulse;
  const bool discharge = has("dchg") || has("discharg") || has("dis chg") || s == "d";
  const bool charge = !discharge && (has("chg") || has("charg") || s == "c");
  if (!charge && !discharge) return StepKind::other;
  // "CCCV" first: it contains both "cc" and "cv".
  const bool cccv = has("cccv") || has("cc cv") || has("cc/cv");
  const bool cv = !cccv && (has("cv") || has("constant voltage"));
  if (cccv) return charge ? StepKind::cccv_charge : StepKind::cccv_discharge;
  if (cv) return charge ? StepKind::cv_charge : StepKind::cv_discharge;
  return charge ? StepKind::cc_charge : StepKind::cc_discharge;
}

bool is_charge(StepKind kind) { return kind == StepKind::cc_charge || kind == StepKind::cv_charge || kind == StepKind::cccv_charge; }

bool is_discharge(StepKind kind) {
  return kind == StepKind::cc_discharge || kind == StepKind::cv_discharge || kind == StepKind::cccv_discharge;
}

}  // namespace castor
