// -o for the commands whose results are a report::Report: the writer by the extension
// (.csv: the named table, .json: everything), and a line on stderr saying so.
#pragma once

#include <fmt/format.h>

#include <string>

#include "castor/report/report.h"

namespace castor::cli {

inline void write_report(const report::Report& rep, const std::string& path, const std::string& table) {
  if (path.empty()) return;
  report::write_file(rep, path, table);
  fmt::print(stderr, "wrote {}\n", path);
}

}  // namespace castor::cli
