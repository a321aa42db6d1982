// castor's one error type: every failure names the file, the format, where in the
// file it happened (byte offset or line) and why, and its kind, which sets the exit status
// of the command line (exit_status) and the Python exception class.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

namespace castor {

enum class ErrorKind {
  input,     // a file or data castor cannot read or stand behind (the default)
  usage,     // an option, a command line or a parameter that makes no sense
  resource,  // the system refused: no memory, a file that cannot be written
  internal,  // a defect in castor (please report it)
};
const char* to_string(ErrorKind kind);
// The command line's exit status: 2 for input, usage and resource errors, 3 for internal ones.
int exit_status(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  explicit Error(std::string reason, ErrorKind kind = ErrorKind::input);
  Error(std::string file, std::string format, std::string reason, ErrorKind kind = ErrorKind::input);

  // Builders for the position; each returns *this so they chain at the throw site.
  Error& at_byte(std::uint64_t offset);
  Error& at_line(std::uint64_t line);
  // Names the file (and format) where the throw site did not know it; keeps a name it had.
  Error& in_file(const std::string& file, const std::string& format = "");

  Error& of_kind(ErrorKind kind) {
    kind_ = kind;
    return *this;
  }
  ErrorKind kind() const { return kind_; }
  int exit_status() const { return castor::exit_status(kind_); }

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
  ErrorKind kind_ = ErrorKind::input;
};

// The exception being handled (call it inside a catch block) as a castor::Error: itself,
// or a file-system refusal, a stream failure or an exhausted memory as a resource error,
// anything else as an internal error. Front ends (CLI, Python) report every failure
// through it, so each maps to one kind and one exit status.
Error current_error();

}  // namespace castor
