// Arbin MITS Pro .res files (Microsoft Jet / Access databases), read through libmdb.
#pragma once

#include <filesystem>

#include "castor/core/table.h"

namespace castor::io {

// Reads Channel_Normal_Table (every column kept under its Arbin name) and the test's
// metadata from Global_Table. Common columns: time_s (Test_Time), voltage_V, current_A,
// cycle (Cycle_Index), step (Step_Index), step_time_s, charge/discharge capacity (Ah ->
// mAh) and energy (Wh -> mWh). DateTime (Excel day number) is kept raw.
Table read_arbin_res(const std::filesystem::path& path);

}  // namespace castor::io
