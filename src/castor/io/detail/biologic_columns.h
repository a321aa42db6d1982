// BioLogic EC-Lab column facts shared by the .mpr, .mpt and CSV readers.
//
// The .mpr data module lists its columns by numeric ID; this table says the storage type
// and the name EC-Lab prints for that column in the .mpt export, so the two readers give
// the same column names. The table is data: to support a new ID, add one line.
// Sources of the facts: EC-Lab .mpt headers of the same runs, and the ID tables of yadg
// (extractors/eclab/common/mpr_columns.py) and galvani (BioLogic.py), cross-checked here
// against the record widths of real files.
#pragma once

#include <cstdint>
#include <string_view>

#include "castor/core/table.h"

namespace castor::io {

struct BiologicColumnType {
  std::uint16_t id;
  char type;              // 'B' u8, 'H' u16, 'I' u32, 'f' float32, 'd' float64
  std::string_view name;  // as printed in the .mpt header, e.g. "Ewe/V"
};

// Flags packed into the one leading byte of each record.
struct BiologicFlag {
  std::uint16_t id;
  std::uint8_t mask;
  std::string_view name;
};

const BiologicColumnType* find_biologic_column(std::uint16_t id);
const BiologicFlag* find_biologic_flag(std::uint16_t id);
std::size_t type_width(char type);

// Adds the common columns (time_s, voltage_V, current_A, cycle, step, step_kind,
// counter_voltage_V, temperature_C, freq_Hz, z_re_ohm, z_neg_im_ohm, step_time_s) from
// the raw EC-Lab columns of a table. `technique` is the EC-Lab technique name when known.
void add_biologic_common_columns(Table& table);

// EC-Lab's EIS quality indicators (THD, NSD, NSR and the harmonics) are defined only below
// 100 kHz: the .mpt export prints -1 or 0 there while the .mpr keeps raw numbers. castor
// sets them to NaN above 100 kHz in both readers, so both say "not measured".
void blank_quality_indicators_above_100kHz(Table& table);

}  // namespace castor::io
