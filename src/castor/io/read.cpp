#include "castor/io/read.h"

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/io/detect.h"

namespace castor::io {

namespace {
Table read_by_format(const std::filesystem::path& path, const ReadOptions& options) {
  const Format f = options.format ? *options.format : detect_format(path);
  if (const FormatInfo* row = format_info(f); row && row->read) return row->read(path, options);
  switch (f) {
    case Format::unknown: {
      // The message comes from the format registry, so it names every reader there is.
      std::string tables, others;
      for (const auto& row : formats()) {
        std::string& list = row.table_format != Format::unknown ? tables : others;
        if (row.table_format == Format::unknown && list.find(std::string(row.kind)) != std::string::npos) continue;
        list += (list.empty() ? "" : ", ") + std::string(row.table_format != Format::unknown ? row.id : row.kind);
      }
      throw Error(path.string(), "",
                  fmt::format("not a file castor reads as a cycler table (formats: {}); {} files are read by "
                              "their own commands (castor eis, xps, xrd, eds; see castor formats); --format "
                              "forces a format",
                              tables, others));
    }
    default:
      break;
  }
  throw Error(path.string(), "", "internal: a cycler format without a reader in the registry");
}
}  // namespace

Table read_table(const std::filesystem::path& path, const ReadOptions& options) {
  try {
    return read_by_format(path, options);
  } catch (Error& e) {
    throw e.in_file(path.string());
  } catch (const std::bad_alloc&) {
    throw Error(path.string(), "", "not enough memory to read the file (a length field larger than the data?)");
  } catch (const std::length_error& e) {
    throw Error(path.string(), "", fmt::format("a length in the file is impossible ({})", e.what()));
  }
}

}  // namespace castor::io
