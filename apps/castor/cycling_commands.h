// `castor cycling`, `castor dqdv` and `castor plot`: the cycling analyses on the command line.
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

// Adds the subcommands; each runs from its CLI11 callback and throws castor::Error on bad
// input.
void add_cycling_commands(CLI::App& app);

}  // namespace castor::cli
