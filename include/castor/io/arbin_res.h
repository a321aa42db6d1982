// Arbin MITS Pro .res files (Microsoft Jet / Access databases), read through libmdb.
#pragma once

#include <filesystem>
#include <vector>

#include "castor/core/table.h"

namespace castor::io {

// Reads Channel_Normal_Table (every column kept under its Arbin name) and the test's
// metadata from Global_Table. Common columns: time_s (Test_Time), voltage_V, current_A,
// cycle (Cycle_Index), step (Step_Index), step_time_s, charge/discharge capacity (Ah ->
// mAh) and energy (Wh -> mWh). DateTime (Excel day number) is kept raw.
// Auxiliary channels (Auxiliary_Table: Test_ID, Data_Point, Auxiliary_Index, Data_Type, X)
// become columns aux_voltage_<i>_V, aux_temperature_<i>_C, ...; every other non-empty table
// is listed in meta.not_read.
Table read_arbin_res(const std::filesystem::path& path);

// One row of Auxiliary_Table.
struct ArbinAuxRow {
  double test_id = 0, data_point = 0;
  int aux_index = 0, data_type = 0;
  double value = 0;
};
// Adds the auxiliary rows to a table whose rows carry Test_ID and Data_Point columns: one
// column per (data type, aux index), NaN where a row has no value. Data types are Arbin's
// (0 voltage V, 1 temperature °C, 2 pressure, 3 pH, 4 flow rate, 5 concentration, 6
// digital in, 7 digital out, the order of Global_Table's Mapped_Aux_* counts); rows that
// match no data point are counted in meta.warnings, unknown types kept as aux_type<k>_<i>.
void add_arbin_aux_columns(Table& table, const std::vector<ArbinAuxRow>& rows);

}  // namespace castor::io
