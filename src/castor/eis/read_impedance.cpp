#include "castor/eis/read_impedance.h"

#include <algorithm>
#include <span>

#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/detail/impedance_formats.h"
#include "castor/io/detect.h"
#include "castor/io/file.h"
#include "castor/io/biologic_mpr.h"
#include "castor/io/biologic_mpt.h"
#include "castor/io/detail/text.h"

namespace castor::eis {

int sniff_biologic_eis(const io::FileHead& head) {
  int best = 0;
  for (const auto f : {io::Format::biologic_mpr, io::Format::biologic_mpt, io::Format::biologic_csv})
    best = std::max(best, io::format_info(f)->sniff(head));
  return best >= 2 ? best : 0;
}

std::vector<Spectrum> read_biologic_eis(std::string_view bytes, const std::string& name) {
  const auto head = io::make_file_head(bytes, name);
  io::Format surest = io::Format::unknown;
  int best = 0;
  for (const auto f : {io::Format::biologic_mpr, io::Format::biologic_mpt, io::Format::biologic_csv})
    if (const int score = io::format_info(f)->sniff(head); score > best) best = score, surest = f;
  if (surest == io::Format::biologic_mpr)
    return spectra_from_table(io::read_biologic_mpr(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), name));
  if (surest == io::Format::biologic_mpt) return spectra_from_table(io::read_biologic_mpt_text(bytes, name));
  if (surest == io::Format::biologic_csv) return spectra_from_table(io::read_biologic_csv_text(bytes, name));
  throw Error(name, "BioLogic", "not a BioLogic .mpr, .mpt or CSV file");
}

std::vector<Spectrum> read_impedance_text(std::string_view text, const std::string& name) {
  if (text.empty()) throw Error(name, "impedance", "empty file");
  const auto head = io::make_file_head(text, name);
  if (const auto* row = io::detect_of_kind("impedance", head)) return row->read_spectra(text, name);
  // A cycler file castor knows is named as one.
  const auto cycler =
      io::detect_format(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), std::min<std::size_t>(text.size(), 4096)), name);
  if (cycler != io::Format::unknown && cycler != io::Format::generic_csv)
    throw Error(name, "impedance",
                fmt::format("this is a {} file without impedance data (read it with castor info or castor cycling); "
                            "castor eis reads the impedance formats `castor formats` lists",
                            io::to_string(cycler)));
  throw Error(name, "impedance",
              "not an impedance file castor knows: no frequency column (freq/Hz, Freq, Frequency) and no "
              "f, Z', Z'' numbers on line 1");
}

std::vector<Spectrum> read_impedance(const std::filesystem::path& path) {
  const auto bytes = io::read_file_bytes(path, "impedance");
  return read_impedance_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
}

}  // namespace castor::eis
