// One impedance spectrum: frequencies and complex impedances (Z = Z' + j Z'', Z'' < 0 for
// a capacitive arc).
#pragma once

#include <complex>
#include <iosfwd>
#include <string>
#include <vector>

#include "castor/core/table.h"

namespace castor::eis {

struct Spectrum {
  std::vector<double> freq_Hz;
  std::vector<std::complex<double>> z_ohm;
  std::string source;  // file (and spectrum index) it came from
  // What the reader could not stand behind or did not read (the table's warnings and
  // not-read list, a reader's own notes); printed beside every result from this spectrum.
  std::vector<std::string> warnings;
  std::size_t size() const { return freq_Hz.size(); }
};

// A spectrum as the CSV castor's impedance readers read back (freq_Hz, z_re_ohm, z_im_ohm;
// Z'' signed, full precision).
void write_spectrum_csv(const Spectrum& spectrum, std::ostream& out);

// The impedance rows of a common table (freq_Hz > 0 with finite z_re_ohm, z_neg_im_ohm),
// one spectrum per run of consecutive impedance rows (a GEIS/PEIS series gives several).
// Throws castor::Error when the table has no impedance columns.
std::vector<Spectrum> spectra_from_table(const Table& table);

// Keeps the points with Z'' < 0 (impedance.py's ignoreBelowX) or inside [f_min, f_max].
Spectrum keep_capacitive(const Spectrum& s);
Spectrum keep_frequencies(const Spectrum& s, double f_min_Hz, double f_max_Hz);

}  // namespace castor::eis
