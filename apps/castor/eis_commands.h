// `castor eis fit|kk|drt|series`: impedance analyses on the command line.
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

void add_eis_commands(CLI::App& app);

}  // namespace castor::cli
