// The parameter presets built into the library from data/presets/*.toml (generated at
// build time into builtin_presets.cpp).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace castor::sim::detail {

// (name, TOML text) of every preset file.
const std::vector<std::pair<std::string_view, std::string_view>>& builtin_presets();

}  // namespace castor::sim::detail
