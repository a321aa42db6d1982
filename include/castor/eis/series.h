// Fitting a series of spectra (one per cycle or per state of charge) with one circuit:
// the first spectrum gets the full multi-start search, each next one starts from the
// previous result (plus a few perturbed starts), and like arcs stay ordered by time
// constant, so a parameter keeps its meaning from spectrum to spectrum.
#pragma once

#include <iosfwd>
#include <vector>

#include "castor/eis/fit.h"

namespace castor::eis {

struct SeriesOptions {
  FitOptions fit;                         // for the first spectrum
  int follow_starts = 4;                  // starts for the next spectra (the first is the previous result)
  double f_min_Hz = 0, f_max_Hz = 1e300;  // frequency window applied to every spectrum
};

// Fits one circuit to each spectrum in turn, each fit starting from the previous one's
// parameters (so a drifting series stays on one branch); one FitResult per spectrum.
// Throws castor::Error for an empty list or a circuit that does not parse.
std::vector<FitResult> fit_series(const Circuit& circuit, const std::vector<Spectrum>& spectra, const SeriesOptions& options = {});

// One row per spectrum: index, source, each parameter and its error, chi-square.
void write_series_csv(const std::vector<FitResult>& fits, const std::vector<Spectrum>& spectra, std::ostream& out);

}  // namespace castor::eis
