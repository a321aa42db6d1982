#include "castor/io/file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::io {

std::uint64_t max_file_bytes() {
  if (const char* env = std::getenv("CASTOR_MAX_FILE_MB")) {
    char* end = nullptr;
    const double mb = std::strtod(env, &end);
    if (end != env && mb > 0 && mb < 1e9) return static_cast<std::uint64_t>(mb * 1024 * 1024);
  }
  return std::uint64_t{1} << 30;
}

std::uint64_t check_input_file(const std::filesystem::path& path, const std::string& format) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) throw Error(path.string(), format, fmt::format("cannot be read: {}", ec.message()));
  if (!fs::exists(st)) {
    // A dangling link or a link loop reads as missing: say which.
    if (fs::is_symlink(fs::symlink_status(path, ec))) throw Error(path.string(), format, "is a broken or looping symbolic link");
    throw Error(path.string(), format, "no such file");
  }
  if (fs::is_directory(st)) throw Error(path.string(), format, "is a directory, not a file");
  if (!fs::is_regular_file(st))
    throw Error(path.string(), format, "is not a regular file (a FIFO, socket or device); castor reads files only");
  const auto size = fs::file_size(path, ec);
  if (ec) throw Error(path.string(), format, fmt::format("cannot determine the size: {}", ec.message()));
  if (size > max_file_bytes())
    throw Error(path.string(), format,
                fmt::format("is {:.0f} MB, larger than castor reads ({:.0f} MB; set CASTOR_MAX_FILE_MB to raise it)",
                            static_cast<double>(size) / 1048576.0, static_cast<double>(max_file_bytes()) / 1048576.0));
  return size;
}

std::string read_head(const std::filesystem::path& path, std::size_t n, const std::string& format) {
  check_input_file(path, format);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), format, std::string("cannot open: ") + std::strerror(errno));
  std::string head(n, '\0');
  in.read(head.data(), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path, const std::string& format) {
  const auto size = check_input_file(path, format);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), format, std::string("cannot open: ") + std::strerror(errno));
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw Error(path.string(), format, "read failed");
  return bytes;
}

MappedFile::MappedFile(const std::filesystem::path& path, const std::string& format) {
  const auto size = static_cast<std::size_t>(check_input_file(path, format));
  if (size == 0) return;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path.string(), format, std::string("cannot open: ") + std::strerror(errno));
  // MAP_POPULATE maps the whole file in one call instead of one fault per page.
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (p != MAP_FAILED) {
    data_ = static_cast<const std::uint8_t*>(p);
    size_ = size;
    mapped_ = true;
    return;
  }
  fallback_ = read_file_bytes(path, format);
  data_ = fallback_.data();
  size_ = fallback_.size();
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

std::string read_nonempty_file(const std::filesystem::path& path, const std::string& format) {
  const auto bytes = read_file_bytes(path, format);
  if (bytes.empty()) throw Error(path.string(), format, "file is empty");
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace castor::io
