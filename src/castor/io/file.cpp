#include "castor/io/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "castor/core/error.h"

namespace castor::io {

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path,
                                          const std::string& format) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(path.string(), format, "no such file");
  if (std::filesystem::is_directory(path, ec))
    throw Error(path.string(), format, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), format, std::string("cannot open: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) throw Error(path.string(), format, "cannot determine the file size");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw Error(path.string(), format, "read failed");
  return bytes;
}

std::string read_nonempty_file(const std::filesystem::path& path, const std::string& format) {
  const auto bytes = read_file_bytes(path, format);
  if (bytes.empty()) throw Error(path.string(), format, "file is empty");
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace castor::io
