// `castor xrd reflections|peaks|refine|phases|index`: powder diffraction with castor's XRD tools.
#pragma once

#include <CLI/CLI.hpp>

namespace castor::cli {

void add_xrd_commands(CLI::App& app);

}  // namespace castor::cli
