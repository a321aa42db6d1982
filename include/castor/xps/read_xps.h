// XPS spectrum files, each as a list of blocks (regions) on a binding-energy axis:
//   VAMAS (ISO 14976, vamas.h), PHI MultiPak .spe/.pro (SOFH...EOFH ASCII header, then a
//   binary block table and float32 or float64 intensities), SPECS SpecsLab .xy exports,
//   and two-column CSV/TXT (BE/eV or KE/eV, counts). read_xps recognises them by content.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "castor/xps/xps.h"

namespace castor::io {
struct FileHead;
}

namespace castor::xps {

struct XpsBlock {
  std::string id;               // block / region name as the file gives it
  Region region;                // binding-energy axis, counts (or counts/s where the file says so)
  double source_energy_eV = 0;  // excitation energy (0 when the file does not say)
  std::string intensity_unit;   // "counts", "counts/s", ...
  std::map<std::string, std::string> meta;
};

// Each format: a sniffer (0-3, as io::Sniffer) and a reader; the format registry
// (io/detect.cpp) lists them and read_xps picks the surest.
int sniff_phi_spe(const io::FileHead& head);
std::vector<XpsBlock> read_phi_spe(const std::filesystem::path& path);
int sniff_vamas(const io::FileHead& head);
std::vector<XpsBlock> read_vamas_blocks(const std::filesystem::path& path);
int sniff_specs_xy(const io::FileHead& head);
std::vector<XpsBlock> read_specs_xy(const std::filesystem::path& path);
// Two numeric columns after an optional header line: energy, intensity. A header naming
// "KE"/"kinetic" makes the axis kinetic; then source_energy_eV converts it (required).
int sniff_xps_columns(const io::FileHead& head);
std::vector<XpsBlock> read_xps_columns(const std::filesystem::path& path, double source_energy_eV = 0);
std::vector<XpsBlock> read_xps_table(const std::filesystem::path& path);  // read_xps_columns(path)
// Any of the above, by content.
std::vector<XpsBlock> read_xps(const std::filesystem::path& path);

}  // namespace castor::xps
