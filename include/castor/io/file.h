// Loading whole files into memory, with errors that name the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace castor::io {

// The largest file castor reads whole: 1 GiB, or CASTOR_MAX_FILE_MB from the environment.
std::uint64_t max_file_bytes();

// Checks that path names a readable regular file (not missing, not a directory, FIFO,
// socket or device, not larger than max_file_bytes()) and returns its size in bytes;
// throws castor::Error naming the file and the problem otherwise.
std::uint64_t check_input_file(const std::filesystem::path& path, const std::string& format = "");

// The first n bytes (fewer if the file is shorter), after check_input_file.
std::string read_head(const std::filesystem::path& path, std::size_t n, const std::string& format = "");

// Reads the whole file; throws castor::Error if it is missing, unreadable or a directory.
std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path, const std::string& format = "");
// The same as one string; an empty file is an error too.
std::string read_nonempty_file(const std::filesystem::path& path, const std::string& format = "");

}  // namespace castor::io
