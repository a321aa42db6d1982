// Progress lines ("\r..." on stderr) are for a person at a terminal: in a log file, a pipe
// or a batch they would be noise, so they are drawn only when stderr is a terminal.
#pragma once

#include <unistd.h>

namespace castor::cli {

inline bool show_progress(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

}  // namespace castor::cli
