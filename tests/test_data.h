// Where the tests find the real instrument files (../shared/data, see each SOURCES.md).
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace castor::test {

inline std::filesystem::path data_file(const std::string& relative) {
  const std::filesystem::path p = std::filesystem::path(CASTOR_DATA_DIR) / relative;
  if (!std::filesystem::exists(p))
    throw std::runtime_error("test data missing: " + p.string() + " (the tests need ../shared/data beside the checkout)");
  return p;
}

// Files kept in this repository under tests/data (public example files of formats that
// ../shared/data lacks; provenance and licence in each folder's SOURCES.md).
inline std::filesystem::path fixture_file(const std::string& relative) {
  const std::filesystem::path p = std::filesystem::path(CASTOR_FIXTURE_DIR) / relative;
  if (!std::filesystem::exists(p)) throw std::runtime_error("test fixture missing: " + p.string());
  return p;
}

inline std::vector<std::uint8_t> file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh scratch folder for one test.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("castor_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_bytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& b, std::size_t n) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(n));
}

}  // namespace castor::test
