// Powder profiles: the Thompson-Cox-Hastings pseudo-Voigt with Caglioti widths, the
// Lorentz-polarisation factor of Bragg-Brentano geometry (with an optional monochromator),
// Chebyshev backgrounds, single-peak fits (position, FWHM, area) for tracking shifts between
// patterns, peak search, Scherrer sizes and cell constants from indexed peaks.
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <optional>
#include <string>
#include <vector>

#include "castor/xrd/crystal.h"
#include "castor/xrd/pattern.h"

namespace castor::xrd {

// TCH pseudo-Voigt widths (degrees 2-theta): Gaussian FWHM^2 = U tan^2 + V tan + W,
// Lorentzian FWHM = X tan + Y / cos.
struct Caglioti {
  double U = 0.004, V = -0.002, W = 0.002, X = 0.0, Y = 0.03;
  void widths(double two_theta_deg, double& fwhm, double& eta) const;
  // From GSAS profile type 2/3 terms (sigma^2 = GU tan^2 + GV tan + GW in centidegrees^2,
  // gamma = LX / cos + LY tan in centidegrees), as in an instrument .prm file.
  static Caglioti from_gsas(double GU, double GV, double GW, double LX, double LY);
};

// Unit-area pseudo-Voigt at offset dx (degrees) for total FWHM and Lorentzian fraction eta.
double pseudo_voigt(double dx, double fwhm, double eta);

// pseudo_voigt() of one peak at many offsets (a pattern's inner loop): the constants once,
// and the Gaussian part left out beyond 5 FWHM, where it is below 1e-30 of its maximum
// (exp(-4 ln 2 x 25)); equal to pseudo_voigt() to rounding elsewhere.
class PseudoVoigtPeak {
 public:
  PseudoVoigtPeak(double fwhm, double eta)
      : inv_f_(1 / fwhm), g_((1 - eta) * 2 / fwhm * 0.46971863934982566 /* sqrt(ln 2 / pi) */), l_(eta * 2 / (3.141592653589793 * fwhm)) {}
  double operator()(double dx) const {
    const double u = dx * inv_f_, u2 = u * u;
    const double lorentz = l_ / (1 + 4 * u2);
    return u2 < 25 ? lorentz + g_ * std::exp(-2.772588722239781 /* 4 ln 2 */ * u2) : lorentz;
  }

 private:
  double inv_f_, g_, l_;
};

// Lorentz-polarisation for Bragg-Brentano: (1 + cos^2 2th cos^2 2thm) / (sin^2 th cos th (1 + cos^2 2thm)),
// 2thm the monochromator angle (0 = none: unpolarised beam).
double lorentz_polarisation(double two_theta_deg, double monochromator_two_theta_deg = 0);

// Chebyshev polynomials of the first kind on x in [lo, hi] mapped to [-1, 1].
double chebyshev_background(const std::vector<double>& coef, double x, double lo, double hi);

// One peak: pseudo-Voigt (free eta) on a linear background, fitted by Ceres. Where the
// pattern states Ka2 (wavelength and ratio) the peak is fitted as the Ka1/Ka2 doublet:
// position, FWHM and height are the Ka1 line's, area is both lines'.
struct PeakFit {
  double position_deg = 0, fwhm_deg = 0, area = 0, eta = 0, height = 0;
  double position_error_deg = 0, fwhm_error_deg = 0, area_error = 0;
  double background0 = 0, background_slope = 0;
  double d_Ang = 0;  // from the position and the pattern's Ka1 (0 without a wavelength)
};
// One pseudo-Voigt peak (Ka1/Ka2 doublet where the pattern has both) on a linear background
// within [lo_deg, hi_deg] of 2-theta. Throws castor::Error for fewer than 7 points in the
// window or a fit that fails.
PeakFit fit_peak(const Pattern& p, double lo_deg, double hi_deg);

// Why a fitted peak is not a peak the data show, or nullopt: no positive area, an area or
// position uncertainty larger than the value or than the pattern's range, a width beyond
// half the pattern or non-finite numbers.
std::optional<std::string> peak_degeneracy(const PeakFit& peak, const Pattern& p);

// Peaks by prominence above the local noise (sqrt of counts), each refined by fit_peak in a
// window of `window_deg` around it; strongest first, at most max_peaks. A candidate whose
// fit fails is left out and, when `not_fitted` is given, named there with the reason.
std::vector<PeakFit> find_peaks(const Pattern& p, double min_prominence_sigma = 8, double window_deg = 0.0, std::size_t max_peaks = 50,
                                std::vector<std::string>* not_fitted = nullptr);

// Scherrer crystallite size (nm) from a peak's FWHM (deg) minus the instrument's
// (quadrature for Gaussian-like peaks), K = 0.9.
double scherrer_size_nm(double two_theta_deg, double fwhm_deg, double wavelength_Ang, double instrument_fwhm_deg = 0, double K = 0.9);

// Least-squares cell from indexed peak positions (1/d^2 linear in the reciprocal metric).
struct IndexedPeak {
  int h, k, l;
  double two_theta_deg;
};
Crystal cell_from_peaks(const Crystal& start, const std::vector<IndexedPeak>& peaks, double wavelength_Ang);

}  // namespace castor::xrd
