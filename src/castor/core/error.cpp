#include "castor/core/error.h"

#include <fmt/format.h>

namespace castor {

Error::Error(std::string reason) : std::runtime_error(reason), reason_(std::move(reason)) {
  compose();
}

Error::Error(std::string file, std::string format, std::string reason)
    : std::runtime_error(reason),
      file_(std::move(file)),
      format_(std::move(format)),
      reason_(std::move(reason)) {
  compose();
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
