// Names of the common table's columns. Every reader maps its instrument's columns onto
// these; the instrument's own columns stay in the table under their original names.
// Units are part of the name. Sign convention: current_A > 0 is charge, i.e. oxidation
// of the working electrode.
#pragma once

#include <string_view>

namespace castor::col {

inline constexpr std::string_view time_s = "time_s";
inline constexpr std::string_view voltage_V = "voltage_V";  // working electrode vs reference
inline constexpr std::string_view current_A = "current_A";
inline constexpr std::string_view cycle = "cycle";          // the instrument's cycle index
inline constexpr std::string_view step = "step";            // the instrument's step index
inline constexpr std::string_view step_kind = "step_kind";  // castor::StepKind as a number
inline constexpr std::string_view step_time_s = "step_time_s";
inline constexpr std::string_view counter_voltage_V = "counter_voltage_V";  // BioLogic Ece
inline constexpr std::string_view temperature_C = "temperature_C";
inline constexpr std::string_view charge_capacity_mAh = "charge_capacity_mAh";
inline constexpr std::string_view discharge_capacity_mAh = "discharge_capacity_mAh";
inline constexpr std::string_view charge_energy_mWh = "charge_energy_mWh";
inline constexpr std::string_view discharge_energy_mWh = "discharge_energy_mWh";
// Net charge passed since the start of the test (mAh, > 0 = charge), e.g. EC-Lab (Q-Qo).
inline constexpr std::string_view charge_passed_mAh = "charge_passed_mAh";
// Tables of layout half_cycles (one row per half cycle, e.g. Gamry CAPACITYCURVE):
inline constexpr std::string_view half_cycle_direction = "half_cycle_direction";  // +1 charge, -1 discharge
inline constexpr std::string_view half_cycle_capacity_mAh = "half_cycle_capacity_mAh";
inline constexpr std::string_view half_cycle_energy_mWh = "half_cycle_energy_mWh";
inline constexpr std::string_view half_cycle_duration_s = "half_cycle_duration_s";
inline constexpr std::string_view freq_Hz = "freq_Hz";
inline constexpr std::string_view z_re_ohm = "z_re_ohm";
inline constexpr std::string_view z_neg_im_ohm = "z_neg_im_ohm";  // -Im(Z), as plotted

}  // namespace castor::col
