// Maccor text exports (tab-separated, one to four header lines before the column names).
#pragma once

#include <filesystem>

#include "castor/core/table.h"

namespace castor::io {

// Reads a Maccor export whose column line starts with "Rec#" and "Cyc#". Times may be
// seconds ("Test (Sec)") or durations ("TestTime" as "0d 00:00:00.0000"). Maccor writes
// "Amps" without sign; castor signs current_A from the State column (C > 0, D < 0).
// Common: time_s, voltage_V, current_A, cycle (Cyc#), step (Step), step_kind (State),
// step_time_s. Every column is also kept raw; "N/A" reads as NaN.
Table read_maccor_txt(const std::filesystem::path& path);

}  // namespace castor::io
