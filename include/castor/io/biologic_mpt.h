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

// Reads EC-Lab's CSV export (and CSVs written from it by other tools): the same columns,
// separated by semicolons or commas, optionally a leading row-index column, and the
// "time/s" column sometimes written as calendar dates ("05/05/2021 15:36:22.757"); then
// time_s counts seconds from the first row and the raw dates stay as "time/s (date)".
Table read_biologic_csv(const std::filesystem::path& path);
Table read_biologic_csv_text(std::string_view text, const std::string& name);

}  // namespace castor::io
