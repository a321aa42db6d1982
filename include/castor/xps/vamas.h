// VAMAS (ISO 14976) files: every block with its header (technique, source energy, species,
// transition), REGULAR (start + increment, either sign) or IRREGULAR (the abscissa as the
// first corresponding variable) scans, kinetic- or binding-energy axes. The header's
// parameter inclusion list decides which block fields are present.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "castor/xps/xps.h"

namespace castor::xps {

struct VamasBlock {
  std::string block_id, sample_id, technique, species, transition;
  std::string abscissa_label, abscissa_units;
  double source_energy_eV = 0;  // analysis source characteristic energy
  std::vector<double> abscissa;
  std::vector<std::string> variable_names;  // corresponding variables (ordinates)
  std::vector<std::vector<double>> variables;
  std::map<std::string, std::string> meta;
  // The block as a region on the binding-energy axis: BE = source energy - KE for a kinetic
  // axis; the first ordinate as counts.
  Region region() const;
};

// Every block of a VAMAS file (ISO 14976; regular and irregular). Throws castor::Error
// naming the file and the line for a truncated or malformed file.
std::vector<VamasBlock> read_vamas(const std::filesystem::path& path);

}  // namespace castor::xps
