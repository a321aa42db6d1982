// `castor xps blocks|fit`: XPS regions from VAMAS files, fitted with castor's XPS tools.
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

void add_xps_commands(CLI::App& app);

}  // namespace castor::cli
