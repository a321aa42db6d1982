// Distribution of relaxation times by Tikhonov regularisation with radial basis functions
// (as in pyDRTtools; Wan, Saccoccio, Chen, Ciucci, Electrochim. Acta 184 (2015) 483):
//   Z(w) = R_inf + j w L + integral gamma(ln tau) / (1 + j w tau) d ln tau,
// gamma expanded in Gaussian basis functions centred at tau_m = 1/(2 pi f_m) of the data,
// fitted to both parts of Z with a penalty lambda |d gamma / d ln tau|^2 and gamma >= 0.
#pragma once

#include <string>
#include <vector>

#include "castor/eis/spectrum.h"

namespace castor::eis {

struct DrtOptions {
  double lambda = 1e-3;       // regularisation strength (Z and gamma scaled by max |Z|)
  double shape_factor = 0.5;  // basis FWHM = (spacing of ln tau) / shape_factor
  bool fit_inductance = true;
  int points_per_decade = 20;  // of the output grid
};

struct DrtPeak {
  double tau_s = 0, gamma_ohm = 0, resistance_ohm = 0;  // resistance: area between the minima around it
};

struct DrtResult {
  std::vector<double> tau_s, gamma_ohm;  // output grid (ascending tau) and gamma(ln tau)
  double r_inf_ohm = 0, l_H = 0;
  double r_polarisation_ohm = 0;  // integral of gamma d ln tau
  std::vector<DrtPeak> peaks;     // by decreasing gamma
  std::vector<std::complex<double>> z_fit;
  double residual_rms_rel = 0;  // rms of |Z - Z_fit| / |Z|
  double roughness = 0;         // integral of (d gamma / d ln tau)^2 d ln tau (Ohm^2)
  // What castor cannot stand behind: peaks outside the measured window, a distribution
  // cut at the grid's end (an arc the spectrum does not close), a poor reproduction of Z.
  std::vector<std::string> warnings;
};

// The distribution of relaxation times (Tikhonov with Gaussian RBFs, gamma >= 0 by NNLS):
// gamma in Ohm over tau in s, R_inf, R_pol, L and the peaks, with warnings. Throws
// castor::Error naming the spectrum for fewer than 5 points or non-positive frequencies.
DrtResult drt(const Spectrum& spectrum, const DrtOptions& options = {});

// The regularisation strength at the corner of the L-curve (log residual against log
// roughness, maximum curvature) over lambda = 1e-6 ... 1 in half decades; the curve's points
// are returned for inspection.
struct LambdaChoice {
  double lambda = 0;
  std::vector<double> lambdas, residual, roughness;
};
LambdaChoice choose_lambda(const Spectrum& spectrum, DrtOptions options = {});

}  // namespace castor::eis
