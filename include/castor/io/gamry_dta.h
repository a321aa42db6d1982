// Gamry Framework .DTA files with CURVE tables (cyclic voltammetry, chronoamperometry,
// potentiostatic runs): every CURVEn table becomes rows of the common table with
// cycle = n. Columns Pt, T (s), Vf (V vs ref), Im (A, positive = anodic) and the rest kept
// raw. Header quantities (SCANRATE in mV/s, AREA, ...) go to the metadata.
#pragma once

#include <filesystem>

#include "castor/core/table.h"

namespace castor::io {

Table read_gamry_dta(const std::filesystem::path& path);

}  // namespace castor::io
