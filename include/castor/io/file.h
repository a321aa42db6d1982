// Loading whole files into memory, with errors that name the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
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
// A whole file, read-only, mapped into memory (pages shared with the page cache: no copy
// and no first-touch faults on a fresh buffer, which on a VM cost more than the parsing);
// falls back to reading into a private buffer where mapping is refused. Checks the file
// as read_file_bytes does. The bytes live as long as the object. A file truncated by
// another process while it is mapped is outside what castor guards against.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path, const std::string& format = "");
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::uint8_t> fallback_;
};

// The same as one string; an empty file is an error too.
std::string read_nonempty_file(const std::filesystem::path& path, const std::string& format = "");

}  // namespace castor::io
