// Whole-pattern refinement of one phase with Ceres: Rietveld (intensities from the
// structure: scale, cell, zero shift, sample displacement, TCH/Caglioti profile, Chebyshev
// background, isotropic U and free atom positions within their site symmetry) or Le Bail
// (intensities extracted, structure ignored: cell, profile, zero, background). Agreement
// factors Rp, Rwp, Rexp and GoF as GSAS-II and FullProf define them.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "castor/xrd/crystal.h"
#include "castor/core/constants.h"
#include "castor/xrd/pattern.h"
#include "castor/xrd/profile.h"

namespace castor::xrd {

struct Instrument {
  double ka1_Ang = constants::cu_ka1_Ang, ka2_Ang = 0, ka2_ratio = 0;  // ka2_Ang 0: one wavelength
  double zero_deg = 0;                                                 // added to every calculated 2-theta
  double displacement_mm = 0, radius_mm = 240;                         // 2-theta shift -2 s cos(theta) / R
  double monochromator_deg = 0;                                        // 2-theta of a monochromator (0: none)
  // Where the wavelengths came from, for the output ("from the file", "assumed ...", ...).
  std::string radiation_source = "given";
  // The pattern's own wavelengths (xrdml) where it has them, else Cu Ka1/Ka2 with ratio 0.5.
  static Instrument from_pattern(const Pattern& p);
};

struct RefineSettings {
  bool le_bail = false;
  bool cell = true, zero = true, displacement = false, profile = true, uiso = true, positions = true;
  int background_terms = 6;
  double two_theta_min_deg = 0, two_theta_max_deg = 180;
  double window_fwhm = 12;  // each peak is computed over +- this many FWHM
  // March-Dollase preferred orientation per phase (index as the phases are given): the
  // reciprocal axis; its ratio r is refined (parameter "PO r") in the last stage.
  std::vector<std::optional<std::array<int, 3>>> preferred_orientation;
  int max_iterations = 100;
  // Called about once a second once a refinement has run 2 s: "stage 3, iteration 12,
  // chi2 1.23e+05, 4 s" (the CLI prints it on stderr).
  std::function<void(const std::string&)> progress;
  double progress_after_s = 2;  // the first report comes after this many seconds
};

// One phase of a (multi-phase) refinement.
struct PhaseResult {
  Crystal crystal;
  double scale = 0;
  std::vector<Reflection> reflections;
  std::vector<double> intensities, reflection_two_theta_deg;
  double weight_fraction = 0;  // Hill & Howard: S ZMV / sum S ZMV (Rietveld only)
};

struct RefineResult {
  Crystal crystal;  // the first phase (also in phases[0])
  Caglioti profile;
  Instrument instrument;
  double scale = 0;
  std::vector<double> background;  // Chebyshev coefficients over the refined range
  std::vector<double> two_theta_deg, observed, calculated, background_curve;
  std::vector<Reflection> reflections;           // with F from the refined structure (Rietveld)
  std::vector<double> intensities;               // integrated intensity of each reflection (Ka1)
  std::vector<double> reflection_two_theta_deg;  // refined positions (Ka1), zero and displacement included
  double Rp = 0, Rwp = 0, Rexp = 0, gof = 0;
  std::vector<std::pair<std::string, double>> values, errors;  // every refined parameter
  std::vector<PhaseResult> phases;
  int iterations = 0;
  // What castor cannot stand behind: unphysical displacement parameters (Uiso < 0 or
  // > 0.1 A^2), observed intensity the model's reflections do not explain (a wrong or a
  // missing phase), parameters correlated above 0.95.
  std::vector<std::string> warnings;
};

// Rietveld (or, with settings.le_bail, Le Bail) refinement of one phase against a pattern
// (2-theta in deg, counts): cell in angstrom, Uiso in angstrom^2, R factors and esds, with
// warnings. Throws castor::Error for an empty range or a failed fit.
RefineResult refine(const Pattern& pattern, const Crystal& start, const Instrument& instrument, const Caglioti& profile,
                    const RefineSettings& settings);

// The refinement's model evaluated once: counts at the given (increasing) 2-theta values,
// scale x m |F|^2 LP [x March-Dollase] x pseudo-Voigt (Ka1 and Ka2) plus a flat background.
std::vector<double> calculate_pattern(const Crystal& x, const Instrument& inst, const Caglioti& prof, double scale,
                                      const std::vector<double>& two_theta_deg, double background = 0,
                                      double window_fwhm = RefineSettings{}.window_fwhm,
                                      std::optional<std::array<int, 3>> po_axis = std::nullopt, double po_ratio = 1.0);
// Several phases with one profile and instrument: each phase has its own scale, cell, Uiso
// and positions (parameter names prefixed "2:", "3:" ... from the second phase on), and
// weight fractions come from the scales (Hill & Howard 1987).
RefineResult refine(const Pattern& pattern, const std::vector<Crystal>& phases, const Instrument& instrument, const Caglioti& profile,
                    const RefineSettings& settings);

}  // namespace castor::xrd
