#include <cmath>
#include <cstdint>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "castor/core/error.h"
#include "castor/eis/detail/impedance_formats.h"
#include "castor/io/detect.h"

namespace castor::eis {
namespace {

constexpr const char* kFormat = "PalmSens pssession";

// UTF-16 (little-endian, as PSTrace writes it; a big-endian BOM is honoured) to UTF-8.
std::string utf16_to_utf8(std::string_view bytes, const std::string& name) {
  bool big = false;
  std::size_t i = 0;
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFE && static_cast<unsigned char>(bytes[1]) == 0xFF)
    big = true, i = 2;
  else if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF && static_cast<unsigned char>(bytes[1]) == 0xFE)
    i = 2;
  auto unit = [&](std::size_t k) -> std::uint32_t {
    const auto a = static_cast<unsigned char>(bytes[k]), b = static_cast<unsigned char>(bytes[k + 1]);
    return big ? (a << 8u | b) : (b << 8u | a);
  };
  std::string out;
  out.reserve(bytes.size() / 2);
  for (; i + 1 < bytes.size(); i += 2) {
    std::uint32_t c = unit(i);
    if (c >= 0xD800 && c < 0xDC00) {
      if (i + 3 >= bytes.size() || unit(i + 2) < 0xDC00 || unit(i + 2) >= 0xE000)
        throw Error(name, kFormat, fmt::format("broken UTF-16 surrogate pair at byte {}", i));
      c = 0x10000 + ((c - 0xD800) << 10u) + (unit(i + 2) - 0xDC00);
      i += 2;
    } else if (c >= 0xDC00 && c < 0xE000) {
      throw Error(name, kFormat, fmt::format("broken UTF-16 surrogate pair at byte {}", i));
    }
    if (c == 0xFEFF) continue;  // PSTrace writes a second byte-order mark after the JSON
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  if (bytes.size() % 2) throw Error(name, kFormat, "odd number of bytes for UTF-16 text (truncated file?)");
  while (!out.empty() && (out.back() == '\0' || std::isspace(static_cast<unsigned char>(out.back())))) out.pop_back();
  return out;
}

using nlohmann::json;

const json* array_of(const json& values, int array_type, std::string_view description) {
  for (const auto& v : values)
    if (v.is_object() &&
        ((v.contains("ArrayType") && v["ArrayType"].is_number_integer() && v["ArrayType"].get<int>() == array_type) ||
         (v.contains("Description") && v["Description"].is_string() && v["Description"].get<std::string>() == description)))
      return &v;
  return nullptr;
}

std::vector<double> numbers_of(const json& array, const std::string& name, std::size_t measurement) {
  const std::string what = array.value("Description", std::string("?"));
  if (!array.contains("DataValues") || !array["DataValues"].is_array())
    throw Error(name, kFormat, fmt::format("measurement {}: array '{}' has no DataValues", measurement, what));
  std::vector<double> out;
  for (const auto& p : array["DataValues"]) {
    if (!p.is_object() || !p.contains("V") || !p["V"].is_number())
      throw Error(name, kFormat, fmt::format("measurement {}: array '{}' point {} has no number V", measurement, what, out.size() + 1));
    const double v = p["V"].get<double>();
    if (!std::isfinite(v))
      throw Error(name, kFormat, fmt::format("measurement {}: array '{}' point {} is not finite", measurement, what, out.size() + 1));
    out.push_back(v);
  }
  return out;
}

// The factor to ohms of an impedance array's unit symbol.
double ohm_factor(const json& array, const std::string& name, std::size_t measurement) {
  std::string symbol = "Ω";
  if (array.contains("Unit") && array["Unit"].is_object() && array["Unit"].contains("S") && array["Unit"]["S"].is_string())
    symbol = array["Unit"]["S"].get<std::string>();
  // The ohm as PSTrace writes it (U+2126 OHM SIGN) or as the Greek capital omega (U+03A9).
  for (std::string_view ohm : {"\u2126", "\u03A9", "Ohm", "ohm"}) {
    if (symbol == ohm) return 1.0;
    if (symbol.size() == ohm.size() + 1 && std::string_view(symbol).substr(1) == ohm) {
      if (symbol[0] == 'k') return 1e3;
      if (symbol[0] == 'M') return 1e6;
      if (symbol[0] == 'm') return 1e-3;
    }
  }
  throw Error(name, kFormat, fmt::format("measurement {}: impedance unit '{}' is not one castor knows", measurement, symbol));
}

}  // namespace

int sniff_pssession(const io::FileHead& head) {
  std::string_view bytes = head.bytes;
  // '{"Type"' in UTF-16LE, after a byte-order mark or without one.
  using namespace std::string_view_literals;
  constexpr auto start = "{\0\"\0T\0y\0p\0e\0\"\0"sv;
  if (bytes.starts_with("\xFF\xFE"sv)) bytes.remove_prefix(2);
  return bytes.starts_with(start) ? 3 : 0;
}

std::vector<Spectrum> read_pssession(std::string_view bytes, const std::string& name) {
  const std::string text = utf16_to_utf8(bytes, name);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(name, kFormat, fmt::format("not valid JSON after UTF-16 decoding: {}", e.what()));
  }
  if (!doc.is_object() || !doc.contains("Measurements") || !doc["Measurements"].is_array())
    throw Error(name, kFormat, "no Measurements list");
  std::vector<Spectrum> out;
  std::vector<std::string> other;
  std::size_t k = 0;
  for (const auto& m : doc["Measurements"]) {
    ++k;
    if (!m.is_object() || !m.contains("DataSet") || !m["DataSet"].is_object()) {
      other.push_back(fmt::format("measurement {} (no data set)", k));
      continue;
    }
    const auto& ds = m["DataSet"];
    const std::string type = ds.value("Type", std::string());
    const std::string title = m.contains("Title") && m["Title"].is_string() ? m["Title"].get<std::string>() : "";
    if (type.find("DataSetEIS") == std::string::npos || !ds.contains("Values") || !ds["Values"].is_array()) {
      other.push_back(fmt::format("measurement {} '{}' ({})", k, title, type.empty() ? "no type" : type));
      continue;
    }
    const json* f = array_of(ds["Values"], 5, "Frequency");
    const json* re = array_of(ds["Values"], 7, "ZRe");
    const json* im = array_of(ds["Values"], 8, "ZIm");
    if (!f || !re || !im) throw Error(name, kFormat, fmt::format("measurement {}: EIS data set lacks Frequency, ZRe or ZIm", k));
    const auto fv = numbers_of(*f, name, k), rv = numbers_of(*re, name, k), iv = numbers_of(*im, name, k);
    if (fv.size() != rv.size() || fv.size() != iv.size())
      throw Error(name, kFormat,
                  fmt::format("measurement {}: Frequency, ZRe and ZIm hold {}, {} and {} points", k, fv.size(), rv.size(), iv.size()));
    // ZIm is stored as -Z'' when its quantity says so (PSTrace: "Q":"-Z''").
    bool negated = true;
    if (im->contains("Unit") && (*im)["Unit"].is_object() && (*im)["Unit"].contains("Q") && (*im)["Unit"]["Q"].is_string())
      negated = (*im)["Unit"]["Q"].get<std::string>().starts_with("-");
    const double fr = ohm_factor(*re, name, k), fi = ohm_factor(*im, name, k);
    Spectrum s;
    s.source = fmt::format("{} #{}{}", name, k, title.empty() ? "" : " (" + title + ")");
    for (std::size_t p = 0; p < fv.size(); ++p) {
      s.freq_Hz.push_back(fv[p]);
      s.z_ohm.emplace_back(rv[p] * fr, (negated ? -iv[p] : iv[p]) * fi);
    }
    if (!s.freq_Hz.empty()) out.push_back(std::move(s));
  }
  if (out.empty()) {
    std::string list;
    for (const auto& o : other) list += (list.empty() ? "" : "; ") + o;
    throw Error(name, kFormat, fmt::format("no impedance measurement among {} ({})", k, list.empty() ? "none" : list));
  }
  return out;
}

}  // namespace castor::eis
