#include "castor/core/error.h"

#include <fmt/format.h>

#include <filesystem>
#include <ios>
#include <new>

namespace castor {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::input:
      return "input";
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::resource:
      return "resource";
    case ErrorKind::internal:
      return "internal";
  }
  return "internal";
}

int exit_status(ErrorKind kind) { return kind == ErrorKind::internal ? 3 : 2; }

Error::Error(std::string reason, ErrorKind kind) : std::runtime_error(reason), reason_(std::move(reason)), kind_(kind) { compose(); }

Error::Error(std::string file, std::string format, std::string reason, ErrorKind kind)
    : std::runtime_error(reason), file_(std::move(file)), format_(std::move(format)), reason_(std::move(reason)), kind_(kind) {
  compose();
}

Error current_error() {
  try {
    throw;
  } catch (const Error& e) {
    return e;
  } catch (const std::filesystem::filesystem_error& e) {
    // A path castor was given that the file system refuses (a symlink loop, permissions).
    return Error(e.path1().string(), "", e.code().message(), ErrorKind::resource);
  } catch (const std::ios_base::failure& e) {
    return Error(std::string("cannot read or write a file: ") + e.what(), ErrorKind::resource);
  } catch (const std::bad_alloc&) {
    return Error("not enough memory for this input", ErrorKind::resource);
  } catch (const std::exception& e) {
    return Error(std::string("internal error: ") + e.what(), ErrorKind::internal);
  } catch (...) {
    return Error("internal error: an exception of unknown type", ErrorKind::internal);
  }
}

Error& Error::at_byte(std::uint64_t offset) {
  byte_ = offset;
  compose();
  return *this;
}

Error& Error::at_line(std::uint64_t line) {
  line_ = line;
  compose();
  return *this;
}

Error& Error::in_file(const std::string& file, const std::string& format) {
  if (file_.empty()) file_ = file;
  if (format_.empty()) format_ = format;
  compose();
  return *this;
}

void Error::compose() {
  std::string where;
  if (!file_.empty()) where = file_;
  if (!format_.empty()) where += where.empty() ? format_ : fmt::format(" ({})", format_);
  if (byte_) where += fmt::format(", byte {}", *byte_);
  if (line_) where += fmt::format(", line {}", *line_);
  message_ = where.empty() ? reason_ : fmt::format("{}: {}", where, reason_);
}

}  // namespace castor
