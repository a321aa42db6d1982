// BioLogic EC-Lab / BT-Lab text exports (.mpt, and the .txt exports with the same layout).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "castor/core/table.h"

namespace castor::io {

// Reads an EC-Lab/BT-Lab ASCII export: with the header block ("Nb header lines : N"),
// with the 3-line short header, or with no header at all (first line = column names).
// Decimal commas (German locale) and latin-1 headers are detected; "XXX" reads as NaN.
Table read_biologic_mpt(const std::filesystem::path& path);
Table read_biologic_mpt_text(std::string_view text, const std::string& name);

}  // namespace castor::io
