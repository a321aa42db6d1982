// `castor recipe` and `castor eds`: synthesis stoichiometry and EDS quantification.
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

void add_materials_commands(CLI::App& app);

}  // namespace castor::cli
