// `castor gitt` and `castor cv`: titration and voltammetry analyses on the command line.
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

void add_gitt_cv_commands(CLI::App& app);

}  // namespace castor::cli
