// castor's one error type: every failure names the file, the format, where in the
// file it happened (byte offset or line) and why.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace castor {

class Error : public std::runtime_error {
 public:
  explicit Error(std::string reason);
  Error(std::string file, std::string format, std::string reason);

  // Builders for the position; each returns *this so they chain at the throw site.
  Error& at_byte(std::uint64_t offset);
  Error& at_line(std::uint64_t line);
  // Names the file (and format) where the throw site did not know it; keeps a name it had.
  Error& in_file(const std::string& file, const std::string& format = "");

  const std::string& file() const { return file_; }
  const std::string& format() const { return format_; }
  const std::string& reason() const { return reason_; }
  std::optional<std::uint64_t> byte_offset() const { return byte_; }
  std::optional<std::uint64_t> line() const { return line_; }

  const char* what() const noexcept override { return message_.c_str(); }

 private:
  void compose();
  std::string file_, format_, reason_, message_;
  std::optional<std::uint64_t> byte_, line_;
};

}  // namespace castor
