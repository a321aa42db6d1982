// Bounds-checked little-endian reads from a byte buffer. Every read past the end throws
// castor::Error naming the file, the format and the offset, so a truncated file can never
// read out of bounds.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::io {

class ByteReader {
 public:
  ByteReader(std::span<const std::uint8_t> data, std::string file, std::string format)
      : data_(data), file_(std::move(file)), format_(std::move(format)) {}

  std::size_t size() const { return data_.size(); }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  void seek(std::size_t offset) {
    require(offset, 0, "seek");
    pos_ = offset;
  }
  void skip(std::size_t n) {
    require(pos_, n, "skip");
    pos_ += n;
  }

  template <class T>
  T read() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value = at<T>(pos_);
    pos_ += sizeof(T);
    return value;
  }

  template <class T>
  T at(std::size_t offset) const {
    static_assert(std::is_trivially_copyable_v<T>);
    require(offset, sizeof(T), "value");
    T value;
    std::memcpy(&value, data_.data() + offset, sizeof(T));  // little-endian host assumed
    return value;
  }

  std::string_view bytes_at(std::size_t offset, std::size_t n) const {
    require(offset, n, "bytes");
    return {reinterpret_cast<const char*>(data_.data() + offset), n};
  }
  std::string_view read_bytes(std::size_t n) {
    auto v = bytes_at(pos_, n);
    pos_ += n;
    return v;
  }
  const std::uint8_t* ptr(std::size_t offset, std::size_t n) const {
    require(offset, n, "block");
    return data_.data() + offset;
  }

  [[noreturn]] void fail(std::size_t offset, const std::string& reason) const { throw Error(file_, format_, reason).at_byte(offset); }
  const std::string& file() const { return file_; }
  const std::string& format() const { return format_; }

 private:
  void require(std::size_t offset, std::size_t n, const char* what) const {
    if (offset > data_.size() || n > data_.size() - offset)
      fail(offset, fmt::format("file ends early: needed {} bytes of {} at offset {}, file has {}", n, what, offset, data_.size()));
  }
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  std::string file_, format_;
};

static_assert(std::endian::native == std::endian::little, "castor's binary readers assume a little-endian host");

}  // namespace castor::io
