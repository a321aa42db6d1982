// `castor simulate` and `castor demo`: the cell simulator on the command line.
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

void add_sim_commands(CLI::App& app);

}  // namespace castor::cli
