// Shared by the libFuzzer harnesses: each feeds the fuzzer's bytes to one reader. A
// castor::Error is the expected answer to bad input; anything else escaping (another
// exception, a crash, a sanitizer report, a hang or an allocation beyond -rss_limit_mb) is
// a finding, and every finding becomes a regression test.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "castor/core/error.h"

namespace castor::fuzz {

// The input as a file (most readers take a path), under the name `name` in a per-process
// scratch folder in /dev/shm when it exists, else the system temp folder.
inline std::filesystem::path as_file(const std::uint8_t* data, std::size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    auto d = base / ("castor_fuzz_" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto p = dir / name;
  std::FILE* f = std::fopen(p.c_str(), "wb");
  if (f) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return p;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) { return {reinterpret_cast<const char*>(data), size}; }

template <class F>
int expect_castor_errors_only(F&& f) {
  try {
    f();
  } catch (const castor::Error&) {}
  return 0;
}

}  // namespace castor::fuzz
