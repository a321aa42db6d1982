#include "castor/io/detect.h"

#include <fstream>

#include <fmt/format.h>
#include <string>
#include <vector>

#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/io/text.h"

namespace castor::io {

namespace {
constexpr FormatInfo kFormats[] = {
    {"biologic-mpr", "cycler",
     "BioLogic EC-Lab/BT-Lab binary .mpr (data modules v0, v2, v3; EC-Lab 10.x-11.61, BT-Lab 1.x; techniques by name "
     "as yadg lists them, BCD's voltage as Ecell/V)",
     "the .mpt export of the same run, every column, 14 yadg pairs, yadg's BT-Lab BCD run", Format::biologic_mpr},
    {"biologic-mpt", "cycler", "BioLogic EC-Lab/BT-Lab text export .mpt/.txt (full, short or no header; decimal comma; latin-1)",
     "yadg, PyProBE asserted values", Format::biologic_mpt},
    {"biologic-csv", "cycler", "BioLogic EC-Lab CSV export (';' or ','; time/s as seconds or dates)", "beep asserted capacities",
     Format::biologic_csv},
    {"neware-ndax", "cycler", "Neware BTS 8 .ndax (ndc versions 5, 14, 17; aux temperature)", "BTSDA step tables",
     Format::neware_ndax},
    {"neware-nda", "cycler", "Neware BTS .nda (versions 14-29; 130 = BTS 9.1)", "BTSDA step tables", Format::neware_nda},
    {"neware-csv", "cycler", "Neware BTSDA CSV export (active mass from Spec. Cap.)", "cellpy row count, Step Type counts",
     Format::neware_csv},
    {"arbin-res", "cycler", "Arbin MITS .res (Jet database via libmdb; auxiliary channels)", "cellpy goldens, datalab CSV row by row",
     Format::arbin_res},
    {"maccor-txt", "cycler", "Maccor text export (both header variants; Amp-hr/Watt-hr by State)", "beep / cellpy row counts",
     Format::maccor_txt},
    {"basytec-txt", "cycler", "Basytec '~Resultfile' text export", "PyProBE asserted last row", Format::basytec_txt},
    {"gamry-dta", "cycler",
     "Gamry Framework .DTA CURVE tables (CV, chronoamperometry; decimal comma); PWR800 cyclic charge-discharge "
     "CAPACITYCURVE (one row per half cycle)",
     "voltcycle CV series; gamry-parser/echem ccd_data.dta per-cycle charges",
     Format::gamry_dta},
    {"csv", "cycler", "any delimited table: column line found after a preamble; common columns from names and units or --map",
     "SINTEF Landt step counts, datalab BDF row by row", Format::generic_csv},
    {"impedance", "impedance",
     "BioLogic .mpr/.mpt PEIS/GEIS, Gamry .DTA ZCURVE (decimal comma), ZPlot .z, Autolab/Z60W, CH Instruments, Parstat, "
     "PowerSuite, VersaStudio .par, EC-Lab .P00 and other f/Hz Z'/Ohm -Z''/Ohm tables, f Z' Z'' tables (castor eis)",
     "impedance.py's nine example files, pyDRTtools, pyimpspec's one spectrum in eleven formats", Format::unknown},
    {"ivium", "impedance", "Ivium .idf (one spectrum) and .ids (series), Method=Impedance blocks (castor eis)",
     "pyimpspec data.idf, data.ids against data.i2b", Format::unknown},
    {"palmsens-pssession", "impedance", "PalmSens PSTrace .pssession (UTF-16 JSON), every EIS measurement (castor eis)",
     "pyimpspec data.pssession against data.i2b", Format::unknown},
    {"autolab-dfr", "impedance", "Autolab / Nova FRA .dfr (VERSION8.0) (castor eis)", "pyimpspec data.dfr against data.i2b",
     Format::unknown},
    {"elchemea-i2b", "impedance", "Elchemea Analytical .i2b (castor eis)", "pyimpspec data.i2b", Format::unknown},
    {"xps", "xps", "VAMAS .vms, PHI MultiPak .spe, SpecsLab .xy, two-column text (castor xps)",
     "CasaXPS exports (pynxtools-xps), LG4X, KherveFitting", Format::unknown},
    {"xrd", "xrd", "PANalytical .xrdml (schema 1.x/2.x), GSAS STD/ESD raw, .xy/.xye/.csv (castor xrd)",
     "xylib, GSAS-II PbSO4 round robin", Format::unknown},
    {"eds", "eds", "EMSA/MAS .msa spectra and two-column text (castor eds)", "synthetic spectra", Format::unknown},
};
}  // namespace

std::span<const FormatInfo> formats() { return kFormats; }

std::string_view to_string(Format f) {
  for (const auto& row : kFormats)
    if (row.table_format == f && f != Format::unknown) return row.id;
  return "unknown";
}

Format format_from_string(std::string_view name) {
  std::string known;
  for (const auto& row : kFormats) {
    if (row.table_format == Format::unknown) continue;
    if (row.id == name) return row.table_format;
    known += (known.empty() ? "" : ", ") + std::string(row.id);
  }
  throw Error(fmt::format("unknown format '{}': --format takes {} (see `castor formats`)", name, known));
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
