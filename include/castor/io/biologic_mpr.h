// BioLogic EC-Lab binary data files (.mpr).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "castor/core/table.h"

namespace castor::io {

// Reads an .mpr file into the common table. Raw columns keep the names EC-Lab prints in
// its .mpt export; IDs castor does not know are kept as "unknown_<id>" (their width is
// inferred from the record length). Metadata: technique, EC-Lab version, start time,
// active mass and electrode area from the settings module.
Table read_biologic_mpr(const std::filesystem::path& path);
// Same, from bytes already in memory; `name` is used in error messages.
Table read_biologic_mpr(std::span<const std::uint8_t> bytes, const std::string& name);

}  // namespace castor::io
