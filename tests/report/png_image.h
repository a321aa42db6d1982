// A small PNG reader for tests (8-bit RGB/RGBA, non-interlaced, as pngcairo writes): enough
// to look at a figure castor drew, not only at its file size.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace castor::test {

struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint32_t> rgb;  // 0xRRGGBB per pixel, row by row
  std::size_t count(std::uint32_t colour) const {
    std::size_t n = 0;
    for (auto p : rgb) n += p == colour;
    return n;
  }
  // The most common colour (the background) and the fraction of pixels of other colours.
  double ink_fraction() const {
    std::map<std::uint32_t, std::size_t> hist;
    for (auto p : rgb) ++hist[p];
    std::size_t most = 0;
    for (const auto& [c, n] : hist) most = std::max(most, n);
    return rgb.empty() ? 0 : 1.0 - static_cast<double>(most) / static_cast<double>(rgb.size());
  }
  std::size_t colours() const {
    std::map<std::uint32_t, std::size_t> hist;
    for (auto p : rgb) ++hist[p];
    return hist.size();
  }
};

inline std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

inline Image read_png(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 33 || b[1] != 'P' || b[2] != 'N' || b[3] != 'G') throw std::runtime_error("not a PNG: " + path.string());
  Image img;
  int colour_type = 0, depth = 0;
  std::vector<unsigned char> z;
  for (std::size_t at = 8; at + 8 <= b.size();) {
    const std::uint32_t len = be32(&b[at]);
    const std::string type(reinterpret_cast<const char*>(&b[at + 4]), 4);
    if (at + 12 + len > b.size()) throw std::runtime_error("truncated PNG");
    const unsigned char* d = &b[at + 8];
    if (type == "IHDR") img.width = be32(d), img.height = be32(d + 4), depth = d[8], colour_type = d[9];
    if (type == "IDAT") z.insert(z.end(), d, d + len);
    at += 12 + len;
  }
  const int channels = colour_type == 6 ? 4 : colour_type == 2 ? 3 : 0;
  if (depth != 8 || channels == 0) throw std::runtime_error("PNG layout not read by this test helper");
  const std::size_t stride = std::size_t(img.width) * channels;
  std::vector<unsigned char> raw((stride + 1) * img.height);
  uLongf n = raw.size();
  if (uncompress(raw.data(), &n, z.data(), z.size()) != Z_OK || n != raw.size()) throw std::runtime_error("bad PNG data");
  std::vector<unsigned char> prev(stride, 0), cur(stride);
  img.rgb.reserve(std::size_t(img.width) * img.height);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const unsigned char* row = &raw[y * (stride + 1)];
    const int filter = row[0];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= std::size_t(channels) ? cur[i - channels] : 0, up = prev[i],
                c = i >= std::size_t(channels) ? prev[i - channels] : 0;
      int v = row[1 + i];
      if (filter == 1)
        v += a;
      else if (filter == 2)
        v += up;
      else if (filter == 3)
        v += (a + up) / 2;
      else if (filter == 4) {
        const int p = a + up - c, pa = std::abs(p - a), pb = std::abs(p - up), pc = std::abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      }
      cur[i] = static_cast<unsigned char>(v);
    }
    for (std::uint32_t x = 0; x < img.width; ++x) {
      const unsigned char* p = &cur[x * channels];
      img.rgb.push_back((std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2]);
    }
    prev = cur;
  }
  return img;
}

}  // namespace castor::test
