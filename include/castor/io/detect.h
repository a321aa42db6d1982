// Recognising an instrument file by its content (magic bytes, header words), with the
// extension only as a tie-breaker.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace castor {
class Table;
}
namespace castor::eis {
struct Spectrum;
}
namespace castor::xps {
struct XpsBlock;
}
namespace castor::xrd {
struct Pattern;
}
namespace castor::eds {
struct EdsSpectrum;
}

namespace castor::io {

struct ReadOptions;

// What a sniffer sees of a file: its first bytes (4 KiB for cycler tables, XPS, XRD and
// EDS; the whole file for impedance, whose markers can come late), their lines (of the
// first 4 KiB) and the lower-case extension.
struct FileHead {
  std::string_view bytes;
  std::vector<std::string_view> lines;
  std::string extension;  // ".mpr"
};
FileHead make_file_head(std::string_view bytes, const std::filesystem::path& name);
// How sure a sniffer is: 0 not this format, 1 only the extension says so, 2 the column
// names say so, 3 the magic bytes or the first line say so.
using Sniffer = int (*)(const FileHead& head);
using TableReader = Table (*)(const std::filesystem::path& path, const ReadOptions& options);
// The readers of the other kinds. An impedance reader takes the whole file's bytes.
using SpectraReader = std::vector<eis::Spectrum> (*)(std::string_view bytes, const std::string& name);
using XpsReader = std::vector<xps::XpsBlock> (*)(const std::filesystem::path& path);
using PatternReader = xrd::Pattern (*)(const std::filesystem::path& path);
using EdsReader = eds::EdsSpectrum (*)(const std::filesystem::path& path);

enum class Format {
  unknown,
  biologic_mpr,
  biologic_mpt,  // EC-Lab / BT-Lab ASCII export (.mpt, .txt)
  biologic_csv,  // EC-Lab CSV export (semicolon or comma separated)
  neware_ndax,
  neware_nda,
  neware_csv,  // BTSDA CSV export
  arbin_res,
  maccor_txt,
  basytec_txt,
  generic_csv,  // a CSV with a column mapping (including battery-data-format files)
  gamry_dta,    // Gamry Framework .DTA with CURVE tables
  castor_json,  // a table castor wrote (castor convert -o x.json)
  castor_hdf5,  // a table castor wrote (castor convert -o x.h5)
};

// One row of castor's format table: what `castor formats`, `--format`, the README's format
// table and error messages are made from.
struct FormatInfo {
  std::string_view id;                    // as --format takes it, e.g. "biologic-mpr"
  std::string_view kind;                  // "cycler", "impedance", "xps", "xrd", "eds"
  std::string_view description;           // files and versions read
  std::string_view checked;               // the instrument files and peer outputs it was checked against
  Format table_format = Format::unknown;  // the read_table format; unknown for the other kinds
  Sniffer sniff = nullptr;                // how the file is recognised among its kind
  TableReader read = nullptr;             // cycler tables: the reader
  SpectraReader read_spectra = nullptr;   // impedance
  XpsReader read_xps = nullptr;           // xps
  PatternReader read_pattern = nullptr;   // xrd
  EdsReader read_eds = nullptr;           // eds
};
// Every format castor reads, cycler tables first.
std::span<const FormatInfo> formats();
// The row of the given kind ("impedance", "xps", ...) whose sniffer is surest of the file
// (ties: the row listed first); nullptr when none recognises it.
const FormatInfo* detect_of_kind(std::string_view kind, const FileHead& head);
// The row with this id; nullptr for an unknown id.
const FormatInfo* format_by_id(std::string_view id);

// The registry row of a cycler format; nullptr for Format::unknown.
const FormatInfo* format_info(Format format);
std::string_view to_string(Format format);
// The format named as to_string names it ("biologic-mpr", "csv"); throws castor::Error
// for other names.
Format format_from_string(std::string_view name);
// Detects the format from the first bytes of the file (4 KiB suffice) and its name: the
// registry row whose sniffer is surest (ties: the row listed first).
Format detect_format(std::span<const std::uint8_t> head, const std::filesystem::path& name);
// Opens the file and detects its format; throws castor::Error if the file is unreadable.
Format detect_format(const std::filesystem::path& path);

}  // namespace castor::io
