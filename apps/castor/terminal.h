// Progress lines ("\r..." on stderr) are for a person at a terminal: in a log file, a pipe
// or a batch they would be noise, so they are drawn only when stderr is a terminal.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace castor::cli {

inline bool show_progress(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

// Results go to stdout (fully buffered when not a terminal), notes and warnings to stderr
// (unbuffered). When both lead to the same file or pipe (`2>&1`, a log, a test runner) the
// notes would land in the middle of a table line; there stdout is made line-buffered so the
// two streams interleave line by line, in the order the program wrote them. When they lead
// to different places stdout keeps its full buffer (a CSV on stdout stays fast).
inline void interleave_stdout_with_stderr_when_shared() {
  struct stat out {
  }, err{};
  if (::fstat(STDOUT_FILENO, &out) != 0 || ::fstat(STDERR_FILENO, &err) != 0) return;
  if (out.st_dev == err.st_dev && out.st_ino == err.st_ino) std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
}

}  // namespace castor::cli
