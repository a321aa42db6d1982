// Loading whole files into memory, with errors that name the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace castor::io {

// Reads the whole file; throws castor::Error if it is missing, unreadable or a directory.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path,
                                          const std::string& format = "");
// The same as one string; an empty file is an error too.
std::string read_nonempty_file(const std::filesystem::path& path, const std::string& format = "");

}  // namespace castor::io
