// `castor identify`: the simulator's parameters fitted to measured data (castor/fit/identify.h).
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

void add_identify_command(CLI::App& app);

}  // namespace castor::cli
