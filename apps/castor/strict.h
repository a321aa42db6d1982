// --strict, shared by every command: a warning castor has about its input is an error
// (exit status 2), so that a pipeline stops instead of publishing a number castor flagged.
#pragma once

#include <string>
#include <vector>

#include "castor/core/error.h"

namespace castor::cli {

inline void refuse_if_strict(bool strict, const std::vector<std::string>& warnings, const std::string& file, const std::string& format) {
  if (!strict || warnings.empty()) return;
  std::string all;
  for (const auto& w : warnings) all += (all.empty() ? "" : "; ") + w;
  throw Error(file, format, "--strict: " + all);
}

}  // namespace castor::cli
