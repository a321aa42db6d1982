// Readers for the impedance exports that are not tables with a header line: Ivium
// (.idf, .ids), PalmSens (.pssession), Autolab/Nova FRA (.dfr) and Elchemea (.i2b). Each
// takes the whole file's bytes; read_impedance() chooses the reader from the content.
// Every reader returns Z'' signed (negative for a capacitive arc) and checks the point
// counts the file declares against the points it holds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "castor/eis/spectrum.h"

namespace castor::eis {

// Ivium .idf (one spectrum) and .ids (a series): an INI-like text with binary bytes
// between sections; each "primary_data" block is: column count (3), point count, then
// rows of Z', Z'', f. Only blocks of a "Method=Impedance" section are impedance.
bool looks_like_ivium(std::string_view bytes);
std::vector<Spectrum> read_ivium(std::string_view bytes, const std::string& name);

// PalmSens PSTrace .pssession: UTF-16 JSON; each measurement whose data set is a
// PalmSens.Data.DataSetEIS gives one spectrum from its Frequency, ZRe and ZIm (-Z'') arrays.
bool looks_like_pssession(std::string_view bytes);
std::vector<Spectrum> read_pssession(std::string_view bytes, const std::string& name);

// Autolab / Nova FRA .dfr: "VERSIONx.y", point count, one line, then nine lines per point
// (f, Z', -Z'', then six values castor does not use).
bool looks_like_dfr(std::string_view bytes);
std::vector<Spectrum> read_dfr(std::string_view bytes, const std::string& name);

// Elchemea Analytical .i2b: free-text lines, the point count alone on a line, then rows of
// f, Z', Z'' (signed), blank-separated.
std::vector<Spectrum> read_i2b(std::string_view bytes, const std::string& name);

}  // namespace castor::eis
