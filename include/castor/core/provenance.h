// What made an output: castor's version and the command line, recorded in every JSON
// output castor writes (`"castor": {"version": ..., "command": ...}`), so a number can be
// traced to the options that produced it.
#pragma once

#include <string>

#include "castor/version.h"

namespace castor {

// The command line of this run (set once by the CLI or the Python module; empty otherwise).
void set_command_line(int argc, const char* const* argv);
const std::string& command_line();

}  // namespace castor
