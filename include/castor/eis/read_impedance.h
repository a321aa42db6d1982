// Impedance spectra from instrument files: BioLogic (.mpr/.mpt, PEIS/GEIS, series of
// spectra), Gamry .DTA (EISPOT, aborted runs), Scribner ZPlot .z (with or without the
// comment block), Autolab/Z60W exports, CH Instruments, Parstat and PowerSuite text,
// VersaStudio .par, and plain f, Z', Z'' tables (CSV or whitespace, e.g. pyDRTtools).
// Z'' is returned signed (negative for a capacitive arc) whatever the file stores.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "castor/eis/spectrum.h"

namespace castor::eis {

// Every impedance spectrum in a file of any format castor reads (io/detect.h's impedance
// rows), f in Hz and Z in Ohm, with the reader's warnings; the text form reads a string
// named `name`. Throws castor::Error naming the file, the format and the line or byte.
std::vector<Spectrum> read_impedance(const std::filesystem::path& path);
std::vector<Spectrum> read_impedance_text(std::string_view text, const std::string& name);

}  // namespace castor::eis
