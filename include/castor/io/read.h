// One entry point for every instrument file castor reads.
#pragma once

#include <filesystem>
#include <optional>

#include "castor/core/table.h"
#include "castor/io/detect.h"
#include "castor/io/generic_csv.h"

namespace castor::io {

struct ReadOptions {
  // Force a format instead of detecting it.
  std::optional<Format> format;
  // For generic CSV files: column mapping, delimiter, line of the column names.
  CsvOptions csv;
};

// Detects the format by content and reads the file into the common table. Throws
// castor::Error naming the file, the format and the problem.
Table read_table(const std::filesystem::path& path, const ReadOptions& options = {});

}  // namespace castor::io
