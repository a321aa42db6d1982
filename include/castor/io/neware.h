// Neware BTS binary files: .ndax (zip of .ndc files) and legacy .nda.
#pragma once

#include <filesystem>

#include "castor/core/table.h"

namespace castor::io {

// Reads an .ndax archive. Supported .ndc layouts: version 5 (all data in data.ndc) and
// versions 14 and 17 (voltage/current in data.ndc, time/capacity in data_runInfo.ndc,
// cycle/step/status in data_step.ndc), with auxiliary temperature channels.
// Raw columns follow NewareNDA's names: Index, Cycle, Step, Step_Index, Status, Time
// (step time, s), Voltage, Current(mA), Charge_/Discharge_Capacity(mAh),
// Charge_/Discharge_Energy(mWh), Timestamp (s since 1970, as stored).
// The common `cycle` is the cycle counter stored in the file (1-based). It equals BTSDA's
// "Cycle Index" for 5 of the 6 reference files; for test_2.ndax BTSDA numbers cycles
// differently from the stored counter (see tests/io/neware_test.cpp).
// Points without a runInfo record (most points of BTS 8 files) get their step time by
// linear interpolation within the step and their capacity and energy by integrating I dt.
Table read_neware_ndax(const std::filesystem::path& path);

// Reads a legacy .nda file, versions 14-29 (86-byte records) and 130 (BTS 9, 88-byte
// records). The version is the byte at offset 14.
Table read_neware_nda(const std::filesystem::path& path);

}  // namespace castor::io
