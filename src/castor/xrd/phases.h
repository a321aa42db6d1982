// Calculated patterns from a structure, and phase identification: every candidate phase's
// stick pattern (m |F|^2 LP) is matched against the peaks found in the measured pattern.
#pragma once

#include <string>
#include <vector>

#include "castor/xrd/crystal.h"
#include "castor/xrd/pattern.h"
#include "castor/xrd/profile.h"
#include "castor/xrd/refine.h"

namespace castor::xrd {

// Counts at the given 2-theta values: scale x m |F|^2 LP x pseudo-Voigt (Ka1 and Ka2) plus a
// flat background; each peak is computed over +- window_fwhm (refine's default).
std::vector<double> calculate_pattern(const Crystal& x, const Instrument& inst, const Caglioti& prof, double scale,
                                      const std::vector<double>& two_theta_deg, double background = 0,
                                      double window_fwhm = RefineSettings{}.window_fwhm,
                                      std::optional<std::array<int, 3>> po_axis = std::nullopt, double po_ratio = 1.0);

// Relative stick intensities (strongest = 100) of the allowed reflections for one wavelength.
struct Stick {
  int h, k, l, multiplicity;
  double two_theta_deg, d_A, intensity;
};
std::vector<Stick> stick_pattern(const Crystal& x, double wavelength_A, double two_theta_min_deg, double two_theta_max_deg,
                                 double monochromator_deg = 0);

struct PhaseScore {
  std::string name;
  double score = 0;           // matched stick intensity / all stick intensity in range (0-1)
  double explained = 0;       // observed peak area explained by this phase's sticks (0-1)
  int matched = 0, sticks = 0;
  double mean_offset_deg = 0; // mean (observed - calculated) of the matched sticks
};
// Phases sorted by score; sticks weaker than 2 % are ignored; a stick matches a peak within
// tolerance_deg.
std::vector<PhaseScore> identify_phases(const Pattern& p, const std::vector<Crystal>& candidates, double tolerance_deg = 0.1);

}  // namespace castor::xrd
