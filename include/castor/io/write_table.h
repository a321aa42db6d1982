// Writing the common table as CSV or JSON.
#pragma once

#include <filesystem>
#include <ostream>

#include "castor/core/table.h"

namespace castor::io {

struct WriteOptions {
  bool include_raw = true;  // also write the instrument's own columns
};

void write_csv(const Table& table, std::ostream& out, const WriteOptions& options = {});
// JSON: {"metadata": {...}, "columns": [{"name","unit","source"}...], "data": {name: [..]}}
void write_json(const Table& table, std::ostream& out, const WriteOptions& options = {});
// Picks CSV or JSON from the extension (.csv, .json); throws castor::Error otherwise.
void write_table(const Table& table, const std::filesystem::path& path, const WriteOptions& options = {});

}  // namespace castor::io
