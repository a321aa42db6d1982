// Complex non-linear least squares fit of an equivalent circuit (Ceres Solver,
// Levenberg-Marquardt). Parameters are fitted as their logarithms, so 1e9 Ohm next to
// 1e-12 F is no harder than 1 next to 1; bounds are the physical ones (positive values,
// exponents at most 1). Initial values come from the spectrum itself (high- and
// low-frequency intercepts, arc peak frequencies), and a multi-start search from
// perturbed starts keeps the best minimum.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "castor/eis/circuit.h"
#include "castor/eis/spectrum.h"

namespace castor::eis {

enum class Weighting {
  unit,          // sigma = 1 (impedance.py's default)
  proportional,  // sigma_re = |Z'|, sigma_im = |Z''|
  modulus,       // sigma = |Z| on both parts (impedance.py weight_by_modulus)
};
std::string_view to_string(Weighting w);
std::optional<Weighting> weighting_from_string(std::string_view s);

struct FitOptions {
  Weighting weighting = Weighting::unit;
  std::vector<double> initial;                              // empty: automatic from the spectrum
  std::map<std::string, double> constants;                  // parameters held fixed, by name
  std::map<std::string, std::pair<double, double>> bounds;  // override the physical bounds
  int starts = 24;                                          // 1 = a local fit from the initial values only
  unsigned seed = 12345;                                    // of the multi-start perturbations (results are reproducible)
  int max_iterations = 400;
  // Sibling parallel sub-circuits of the same form (p(R1,C1)-p(R2,C2)) are put in the
  // order of their time constants (fastest first), so arcs cannot swap labels.
  bool order_by_time_constant = true;
};

struct FitResult {
  std::string circuit;
  std::vector<std::string> names, units;
  std::vector<double> values, std_errors;  // std error NaN for constants
  std::vector<bool> fixed;
  std::vector<std::vector<double>> correlation;  // free parameters only, in their order
  std::vector<double> initial;                   // the start that won
  double chi_square = 0;                         // sum of weighted squared residuals
  double reduced_chi_square = 0;                 // chi_square / (2N - free parameters)
  double sum_squares_ohm2 = 0;                   // unweighted sum |Z - Z_fit|^2
  double pseudo_chi_square = 0;                  // Boukamp: sum |Z - Z_fit|^2 / |Z|^2
  int degrees_of_freedom = 0;
  int starts = 0, iterations = 0;  // iterations of the winning start
  bool converged = false;          // the optimizer converged (not the same as a trustworthy fit)
  // Parameters the data do not determine, each with the reason: on a bound, a relative
  // standard error above 100 % or below the numerical floor, an element whose impedance
  // never reaches the spectrum's scale within the measured frequencies. Empty: all are.
  std::vector<std::pair<std::string, std::string>> undetermined;
  std::vector<std::string> warnings;  // correlations above 0.95, and the like
  std::vector<double> lower, upper;   // the bounds the fit used (physical, from the data's scales, or given)
  bool determined() const { return undetermined.empty(); }
  // "converged", "converged, but not determined by the data: ...", or "NOT converged ...".
  std::string status() const;
  std::vector<double> freq_Hz;
  std::vector<std::complex<double>> z_fit, residual;  // Z_fit and Z - Z_fit
};

// Bounds from the spectrum's own scales, per element type: resistances within 1e-6..1e3 x
// |Z|max, capacitances, inductances, CPE and Warburg coefficients and time constants within
// three decades beyond what the measured |Z| and frequencies can show. Exponents keep their
// physical [0, 1].
std::pair<std::vector<double>, std::vector<double>> data_bounds(const Circuit& circuit, const Spectrum& spectrum);

// Automatic initial values for a circuit from a spectrum.
std::vector<double> initial_guess(const Circuit& circuit, const Spectrum& spectrum);

FitResult fit_circuit(const Circuit& circuit, const Spectrum& spectrum, const FitOptions& options = {});

// The fit's 95 % confidence band at the given frequencies, from the parameter covariance
// (standard errors and correlations) propagated through dZ/dp: +-1.96 sigma of Z', Z'' and
// |Z|. Fixed parameters do not contribute.
struct ConfidenceBand {
  std::vector<double> sigma_re_ohm, sigma_im_ohm, sigma_abs_ohm;
};
ConfidenceBand confidence_band(const Circuit& circuit, const FitResult& fit, const std::vector<double>& freq_Hz);

}  // namespace castor::eis
