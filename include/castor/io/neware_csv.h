// Neware BTSDA CSV export (the text a user gets from BTSDA's "Export" of a record layer):
// DataPoint, Cycle Index, Step Index, Step Type, Time (step time, hh:mm:ss), Cumulative
// Time, Current(A), Voltage(V), capacities, energies, Date, dQ/dV(mAh/V) and others.
#pragma once

#include <filesystem>

#include "castor/core/table.h"

namespace castor::io {

// Reads the export. The active mass is recovered from the vendor's specific capacity
// (Capacity / Spec. Cap.) when both are present.
Table read_neware_csv(const std::filesystem::path& path);

}  // namespace castor::io
