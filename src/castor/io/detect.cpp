#include "castor/io/detect.h"

#include <algorithm>
#include <fstream>
#include <optional>

#include <fmt/format.h>
#include <string>
#include <vector>

#include "castor/core/error.h"
#include "castor/io/file.h"
#include "castor/io/read.h"
#include "castor/io/neware_csv.h"
#include "castor/io/neware.h"
#include "castor/io/maccor_txt.h"
#include "castor/io/generic_csv.h"
#include "castor/io/gamry_dta.h"
#include "castor/io/biologic_mpt.h"
#include "castor/io/biologic_mpr.h"
#include "castor/io/basytec_txt.h"
#include "castor/io/castor_table.h"
#include "castor/io/arbin_res.h"
#include "castor/io/detail/text.h"
#include "castor/eds/eds.h"
#include "castor/eis/detail/impedance_formats.h"
#include "castor/xps/read_xps.h"
#include "castor/xrd/pattern.h"

namespace castor::io {

namespace {

bool has(std::string_view s, std::string_view w) { return s.find(w) != std::string_view::npos; }

// BioLogic's column words in one of the first lines: the column line of a text export.
std::optional<std::string_view> biologic_column_line(const FileHead& h) {
  for (std::size_t i = 0; i < std::min<std::size_t>(h.lines.size(), 12); ++i) {
    const auto l = h.lines[i];
    if (has(l, "time/s") && (has(l, "Ewe/V") || has(l, "Ecell/V") || has(l, "I/mA"))) return l;
  }
  return std::nullopt;
}

int sniff_biologic_mpr(const FileHead& h) {
  if (h.bytes.starts_with("BIO-LOGIC MODULAR FILE")) return 3;
  return h.extension == ".mpr" ? 1 : 0;
}
int sniff_biologic_mpt(const FileHead& h) {
  if (h.lines.empty()) return 0;
  const auto l0 = trim(h.lines[0]);
  if (l0.starts_with("EC-Lab ASCII FILE") || l0.starts_with("BT-Lab ASCII FILE")) return 3;
  const auto l = biologic_column_line(h);
  return l && has(*l, "\t") && !has(*l, ";") ? 2 : 0;
}
int sniff_biologic_csv(const FileHead& h) {
  const auto l = biologic_column_line(h);
  return l && !(has(*l, "\t") && !has(*l, ";")) ? 2 : 0;
}
int sniff_neware_ndax(const FileHead& h) {
  if (!h.bytes.starts_with("PK\x03\x04")) return 0;
  return has(h.bytes, ".ndc") || h.extension == ".ndax" ? 3 : 0;
}
int sniff_neware_nda(const FileHead& h) { return h.bytes.starts_with("NEWARE") ? 3 : 0; }
int sniff_neware_csv(const FileHead& h) {
  for (std::size_t i = 0; i < std::min<std::size_t>(h.lines.size(), 12); ++i) {
    const auto l = h.lines[i];
    if ((has(l, "DataPoint") || has(l, "Record ID")) && has(l, "Step Type")) return 2;
  }
  return 0;
}
int sniff_arbin_res(const FileHead& h) {
  if (h.bytes.size() > 20 && (h.bytes.substr(4, 15) == "Standard Jet DB" || h.bytes.substr(4, 15) == "Standard ACE DB")) return 3;
  return h.extension == ".res" ? 1 : 0;
}
int sniff_maccor_txt(const FileHead& h) {
  if (h.lines.empty()) return 0;
  const auto l0 = trim(h.lines[0]);
  if (l0.starts_with("Today's Date") || l0.starts_with("Today''s Date")) return 3;
  for (std::size_t i = 0; i < std::min<std::size_t>(h.lines.size(), 2); ++i)
    if (has(h.lines[i], "Rec#") && has(h.lines[i], "Cyc#")) return 3;
  return 0;
}
int sniff_basytec_txt(const FileHead& h) { return !h.lines.empty() && trim(h.lines[0]).starts_with("~Resultfile from Basytec") ? 3 : 0; }
int sniff_gamry_dta(const FileHead& h) { return !h.lines.empty() && trim(h.lines[0]) == "EXPLAIN" ? 3 : 0; }
int sniff_castor_json(const FileHead& h) {
  const auto b = h.bytes.find_first_not_of(" \t\r\n");
  return b != std::string_view::npos && h.bytes[b] == '{' && has(h.bytes, "\"castor\"") && has(h.bytes, "\"metadata\"") ? 3 : 0;
}
int sniff_castor_hdf5(const FileHead& h) {
  if (h.bytes.starts_with("\x89HDF\r\n\x1a\n")) return 3;
  return h.extension == ".h5" || h.extension == ".hdf5" ? 1 : 0;
}
int sniff_generic_csv(const FileHead& h) {
  // The Battery Data Format's required columns name a BDF file, whatever else it holds
  // (castor convert -o x.bdf.csv keeps the instrument's own columns beside them).
  if (!h.lines.empty() && has(h.lines[0], "Test Time / s") && has(h.lines[0], "Voltage / V") && has(h.lines[0], "Current / A")) return 3;
  return h.extension == ".csv" || h.extension == ".txt" || h.extension == ".tsv" ? 1 : 0;
}

template <Table (*F)(const std::filesystem::path&)>
Table read_plain(const std::filesystem::path& p, const ReadOptions&) {
  return F(p);
}
Table read_csv_with_options(const std::filesystem::path& p, const ReadOptions& o) { return read_generic_csv(p, o.csv); }

constexpr FormatInfo kFormats[] = {
    {"biologic-mpr", "cycler",
     "BioLogic EC-Lab/BT-Lab binary .mpr (data modules v0, v2, v3; EC-Lab 10.x-11.61, BT-Lab 1.x; techniques by name "
     "as yadg lists them, BCD's voltage as Ecell/V)",
     "the .mpt export of the same run, every column, 14 yadg pairs, yadg's BT-Lab BCD run", Format::biologic_mpr, sniff_biologic_mpr,
     read_plain<read_biologic_mpr>},
    {"biologic-mpt", "cycler", "BioLogic EC-Lab/BT-Lab text export .mpt/.txt (full, short or no header; decimal comma; latin-1)",
     "yadg, PyProBE asserted values", Format::biologic_mpt, sniff_biologic_mpt, read_plain<read_biologic_mpt>},
    {"biologic-csv", "cycler", "BioLogic EC-Lab CSV export (';' or ','; time/s as seconds or dates)", "beep asserted capacities",
     Format::biologic_csv, sniff_biologic_csv, read_plain<read_biologic_csv>},
    {"neware-ndax", "cycler", "Neware BTS 8 .ndax (ndc versions 5, 14, 17; aux temperature)", "BTSDA step tables", Format::neware_ndax,
     sniff_neware_ndax, read_plain<read_neware_ndax>},
    {"neware-nda", "cycler", "Neware BTS .nda (versions 14-29; 130 = BTS 9.1)", "BTSDA step tables", Format::neware_nda, sniff_neware_nda,
     read_plain<read_neware_nda>},
    {"neware-csv", "cycler", "Neware BTSDA CSV export (active mass from Spec. Cap.)", "cellpy row count, Step Type counts",
     Format::neware_csv, sniff_neware_csv, read_plain<read_neware_csv>},
    {"arbin-res", "cycler", "Arbin MITS .res (Jet database via libmdb; auxiliary channels)", "cellpy goldens, datalab CSV row by row",
     Format::arbin_res, sniff_arbin_res, read_plain<read_arbin_res>},
    {"maccor-txt", "cycler", "Maccor text export (both header variants; Amp-hr/Watt-hr by State)", "beep / cellpy row counts",
     Format::maccor_txt, sniff_maccor_txt, read_plain<read_maccor_txt>},
    {"basytec-txt", "cycler", "Basytec '~Resultfile' text export", "PyProBE asserted last row", Format::basytec_txt, sniff_basytec_txt,
     read_plain<read_basytec_txt>},
    {"gamry-dta", "cycler",
     "Gamry Framework .DTA CURVE tables (CV, chronoamperometry; decimal comma); PWR800 cyclic charge-discharge "
     "CAPACITYCURVE (one row per half cycle)",
     "voltcycle CV series; gamry-parser/echem ccd_data.dta per-cycle charges", Format::gamry_dta, sniff_gamry_dta,
     read_plain<read_gamry_dta>},
    {"castor-json", "cycler", "castor's own table as JSON (castor convert -o x.json): columns, units, metadata, warnings",
     "round trip of every reader's table", Format::castor_json, sniff_castor_json, read_plain<read_castor_json>},
    {"castor-hdf5", "cycler", "castor's own table as HDF5 (castor convert -o x.h5; h5py reads it): columns with units as attributes",
     "round trip of every reader's table; h5py", Format::castor_hdf5, sniff_castor_hdf5, read_plain<read_castor_hdf5>},
    {"csv", "cycler", "any delimited table: column line found after a preamble; common columns from names and units or --map",
     "SINTEF Landt step counts, datalab BDF row by row", Format::generic_csv, sniff_generic_csv, read_csv_with_options},
    // Impedance (castor eis), in the order of precedence among equally sure sniffers.
    {.id = "biologic-eis",
     .kind = "impedance",
     .description = "BioLogic EC-Lab/BT-Lab .mpr, .mpt and CSV PEIS/GEIS runs (one spectrum per cycle or loop)",
     .checked = "impedance.py exampleDataBioLogic.mpt, yadg peis pairs, biologic-converter peis/geis",
     .sniff = eis::sniff_biologic_eis,
     .read_spectra = eis::read_biologic_eis},
    {.id = "palmsens-pssession",
     .kind = "impedance",
     .description = "PalmSens PSTrace .pssession (UTF-16 JSON), every EIS measurement",
     .checked = "pyimpspec data.pssession against data.i2b",
     .sniff = eis::sniff_pssession,
     .read_spectra = eis::read_pssession},
    {.id = "ivium",
     .kind = "impedance",
     .description = "Ivium .idf (one spectrum) and .ids (series), Method=Impedance blocks",
     .checked = "pyimpspec data.idf, data.ids against data.i2b",
     .sniff = eis::sniff_ivium,
     .read_spectra = eis::read_ivium},
    {.id = "autolab-dfr",
     .kind = "impedance",
     .description = "Autolab / Nova FRA .dfr (VERSION8.0)",
     .checked = "pyimpspec data.dfr against data.i2b",
     .sniff = eis::sniff_dfr,
     .read_spectra = eis::read_dfr},
    {.id = "elchemea-i2b",
     .kind = "impedance",
     .description = "Elchemea Analytical .i2b (by its extension)",
     .checked = "pyimpspec data.i2b",
     .sniff = eis::sniff_i2b,
     .read_spectra = eis::read_i2b},
    {.id = "gamry-zcurve",
     .kind = "impedance",
     .description = "Gamry Framework .DTA ZCURVE table (EISPOT; aborted runs; decimal comma)",
     .checked = "impedance.py exampleDataGamry(ABORT).DTA, pyimpspec data.dta",
     .sniff = eis::sniff_gamry_zcurve,
     .read_spectra = eis::read_gamry_zcurve},
    {.id = "zplot",
     .kind = "impedance",
     .description = "Scribner ZPlot .z with its comment block",
     .checked = "impedance.py exampleDataZPlot.z, Circuit*_EIS_*.z, pyimpspec data.z",
     .sniff = eis::sniff_zplot,
     .read_spectra = eis::read_zplot},
    {.id = "versastudio-par",
     .kind = "impedance",
     .description = "Princeton VersaStudio .par (<Segment1> Definition= columns)",
     .checked = "impedance.py exampleDataVersaStudio.par",
     .sniff = eis::sniff_versastudio_par,
     .read_spectra = eis::read_versastudio_par},
    {.id = "chi-impedance",
     .kind = "impedance",
     .description = "CH Instruments text export (Freq/Hz, Z'/ohm, Z\"/ohm)",
     .checked = "impedance.py exampleDataCHInstruments.txt",
     .sniff = eis::sniff_chi_impedance,
     .read_spectra = eis::read_chi_impedance},
    {.id = "impedance-table",
     .kind = "impedance",
     .description = "a table whose header names frequency, Z' and Z'' (ZPlot without comments, Autolab/Z60W, Parstat, "
                    "PowerSuite, EC-Lab .P00 with its point count, CSV; decimal comma)",
     .checked = "impedance.py exampleDataAutolab/Parstat/Powersuite.txt and ZPlot_noComments.z, pyimpspec .P00 and CSVs",
     .sniff = eis::sniff_impedance_table,
     .read_spectra = eis::read_impedance_table},
    {.id = "fzz-table",
     .kind = "impedance",
     .description = "plain f, Z', Z'' numbers from line 1 (Z'' signed)",
     .checked = "impedance.py exampleData.csv, pyDRTtools data",
     .sniff = eis::sniff_fzz_table,
     .read_spectra = eis::read_fzz_table},
    // XPS (castor xps)
    {.id = "phi-spe",
     .kind = "xps",
     .description = "PHI MultiPak .spe (SOFH header, binary regions)",
     .checked = "pynxtools-xps SnO2_10nm.spe",
     .sniff = xps::sniff_phi_spe,
     .read_xps = xps::read_phi_spe},
    {.id = "vamas",
     .kind = "xps",
     .description = "VAMAS .vms (ISO 14976; regular and irregular blocks)",
     .checked = "CasaXPS exports (pynxtools-xps, xylib), LG4X 0-150W.vms",
     .sniff = xps::sniff_vamas,
     .read_xps = xps::read_vamas_blocks},
    {.id = "specs-xy",
     .kind = "xps",
     .description = "SpecsLab Prodigy .xy export (regions, kinetic or binding axis, counts/s)",
     .checked = "xylib specsxy_example.xy",
     .sniff = xps::sniff_specs_xy,
     .read_xps = xps::read_specs_xy},
    {.id = "xps-columns",
     .kind = "xps",
     .description = "two columns: binding energy (or kinetic with --source) and intensity",
     .checked = "LG4X PET_C1s.csv, pynxtools-xps FeO_analyzed_lineshapes_cols.txt",
     .sniff = xps::sniff_xps_columns,
     .read_xps = xps::read_xps_table},
    // XRD (castor xrd)
    {.id = "xrdml",
     .kind = "xrd",
     .description = "PANalytical .xrdml (schema 1.x/2.x; wavelengths and Ka2/Ka1 ratio as stated)",
     .checked = "xylib empyrean.xrdml and Na2Co2TeO6 scan",
     .sniff = xrd::sniff_xrdml,
     .read_pattern = xrd::read_xrdml},
    {.id = "gsas-std",
     .kind = "xrd",
     .description = "GSAS STD/ESD raw (.xra/.gsa/.raw; BANK CONST)",
     .checked = "GSAS-II PbSO4 round robin PBSO4.XRA",
     .sniff = xrd::sniff_gsas_std,
     .read_pattern = xrd::read_gsas_std},
    {.id = "xrd-xy",
     .kind = "xrd",
     .description = ".xy/.xye/.csv columns: 2-theta, counts[, sigma]",
     .checked = "Dans_Diffraction vesta_Rutile_xray.txt",
     .sniff = xrd::sniff_xy,
     .read_pattern = xrd::read_xy},
    // EDS (castor eds)
    {.id = "eds",
     .kind = "eds",
     .description = "EMSA/MAS .msa spectra and two-column text",
     .checked = "synthetic spectra",
     .sniff = eds::sniff_eds,
     .read_eds = eds::read_eds},
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
  const FileHead h = make_file_head(std::string_view(reinterpret_cast<const char*>(head.data()), head.size()), name);
  const FormatInfo* row = detect_of_kind("cycler", h);
  return row ? row->table_format : Format::unknown;
}

const FormatInfo* detect_of_kind(std::string_view kind, const FileHead& head) {
  const FormatInfo* best = nullptr;
  int best_score = 0;
  for (const auto& row : kFormats) {
    if (row.kind != kind || !row.sniff) continue;
    const int score = row.sniff(head);
    if (score > best_score) best = &row, best_score = score;
  }
  return best;
}

const FormatInfo* format_by_id(std::string_view id) {
  for (const auto& row : kFormats)
    if (row.id == id) return &row;
  return nullptr;
}

FileHead make_file_head(std::string_view bytes, const std::filesystem::path& name) {
  FileHead h;
  h.bytes = bytes;
  h.lines = split_lines(bytes.substr(0, std::min<std::size_t>(bytes.size(), 4096)));
  h.extension = to_lower(name.extension().string());
  return h;
}

const FormatInfo* format_info(Format format) {
  for (const auto& row : kFormats)
    if (row.table_format == format && format != Format::unknown) return &row;
  return nullptr;
}

Format detect_format(const std::filesystem::path& path) {
  const std::string h = read_head(path, 4096);
  const std::vector<std::uint8_t> head(h.begin(), h.end());
  if (head.empty()) throw Error(path.string(), "", "empty file (0 bytes)");
  return detect_format(head, path);
}

}  // namespace castor::io
