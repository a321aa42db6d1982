#include "castor/io/detect.h"

#include <fstream>

#include <fmt/format.h>
#include <string>
#include <vector>

#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/io/text.h"

namespace castor::io {

std::string_view to_string(Format f) {
  switch (f) {
    case Format::biologic_mpr: return "biologic-mpr";
    case Format::biologic_mpt: return "biologic-mpt";
    case Format::biologic_csv: return "biologic-csv";
    case Format::neware_ndax: return "neware-ndax";
    case Format::neware_nda: return "neware-nda";
    case Format::neware_csv: return "neware-csv";
    case Format::arbin_res: return "arbin-res";
    case Format::maccor_txt: return "maccor-txt";
    case Format::basytec_txt: return "basytec-txt";
    case Format::generic_csv: return "csv";
    case Format::gamry_dta: return "gamry-dta";
    case Format::unknown: break;
  }
  return "unknown";
}

Format format_from_string(std::string_view name) {
  for (Format f : {Format::biologic_mpr, Format::biologic_mpt, Format::biologic_csv, Format::neware_ndax,
                   Format::neware_nda, Format::neware_csv, Format::arbin_res, Format::maccor_txt,
                   Format::basytec_txt, Format::generic_csv, Format::gamry_dta})
    if (to_string(f) == name) return f;
  throw Error(fmt::format("unknown format '{}' (see `castor formats`)", name));
}

Format detect_format(std::span<const std::uint8_t> head, const std::filesystem::path& name) {
  const std::string_view s(reinterpret_cast<const char*>(head.data()), head.size());
  const std::string ext = to_lower(name.extension().string());
  if (s.starts_with("BIO-LOGIC MODULAR FILE")) return Format::biologic_mpr;
  if (s.starts_with("PK\x03\x04")) {
    if (s.find(".ndc") != std::string_view::npos || ext == ".ndax") return Format::neware_ndax;
    return Format::unknown;
  }
  if (s.starts_with("NEWARE")) return Format::neware_nda;
  if (s.size() > 20 && s.substr(4, 15) == "Standard Jet DB") return Format::arbin_res;
  if (s.size() > 20 && s.substr(4, 15) == "Standard ACE DB") return Format::arbin_res;

  // Text formats: look at the first lines.
  const auto lines = split_lines(s.substr(0, std::min<std::size_t>(s.size(), 4096)));
  if (lines.empty()) return Format::unknown;
  const auto l0 = trim(lines[0]);
  if (l0.starts_with("EC-Lab ASCII FILE") || l0.starts_with("BT-Lab ASCII FILE"))
    return Format::biologic_mpt;
  if (l0.starts_with("~Resultfile from Basytec")) return Format::basytec_txt;
  if (l0 == "EXPLAIN") return Format::gamry_dta;
  if (l0.starts_with("Today's Date") || l0.starts_with("Today''s Date")) return Format::maccor_txt;
  if (lines.size() > 1 && lines[1].find("Rec#") != std::string_view::npos &&
      lines[1].find("Cyc#") != std::string_view::npos)
    return Format::maccor_txt;
  if (l0.find("Rec#") != std::string_view::npos && l0.find("Cyc#") != std::string_view::npos)
    return Format::maccor_txt;
  for (std::size_t i = 0; i < std::min<std::size_t>(lines.size(), 12); ++i) {
    const auto l = lines[i];
    const bool biologic_cols = l.find("time/s") != std::string_view::npos &&
                               (l.find("Ewe/V") != std::string_view::npos ||
                                l.find("Ecell/V") != std::string_view::npos ||
                                l.find("I/mA") != std::string_view::npos);
    if (biologic_cols) {
      if (l.find('\t') != std::string_view::npos && l.find(';') == std::string_view::npos)
        return Format::biologic_mpt;
      return Format::biologic_csv;
    }
    if ((l.find("DataPoint") != std::string_view::npos || l.find("Record ID") != std::string_view::npos) &&
        l.find("Step Type") != std::string_view::npos)
      return Format::neware_csv;
  }
  if (ext == ".csv" || ext == ".txt" || ext == ".tsv") return Format::generic_csv;
  if (ext == ".mpr") return Format::biologic_mpr;
  if (ext == ".res") return Format::arbin_res;
  return Format::unknown;
}

Format detect_format(const std::filesystem::path& path) {
  const std::string h = read_head(path, 4096);
  const std::vector<std::uint8_t> head(h.begin(), h.end());
  if (head.empty()) throw Error(path.string(), "", "empty file (0 bytes)");
  return detect_format(head, path);
}

}  // namespace castor::io
