// Basytec Battery Test System text export ("~Resultfile from Basytec Battery Test System"):
// '~'-prefixed header lines, the last of them the tab-separated column names (Time[s],
// t-Step[s], Line, Command, U[V], I[A], Ah[Ah], T1[°C], Cyc-Count, State, ...).
#pragma once

#include <filesystem>

#include "castor/core/table.h"

namespace castor::io {

Table read_basytec_txt(const std::filesystem::path& path);

}  // namespace castor::io
