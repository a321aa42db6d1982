// Phase identification: every candidate phase's
// stick pattern (m |F|^2 LP) is matched against the peaks found in the measured pattern.
#pragma once

#include <string>
#include <vector>

#include "castor/xrd/crystal.h"
#include "castor/xrd/pattern.h"
#include "castor/xrd/profile.h"
#include "castor/xrd/refine.h"

namespace castor::xrd {

// Relative stick intensities (strongest = 100) of the allowed reflections for one wavelength.
struct Stick {
  int h, k, l, multiplicity;
  double two_theta_deg, d_Ang, intensity;
};
std::vector<Stick> stick_pattern(const Crystal& x, double wavelength_Ang, double two_theta_min_deg, double two_theta_max_deg,
                                 double monochromator_deg = 0);

struct PhaseScore {
  std::string name;
  double score = 0;      // matched stick intensity / all stick intensity in range (0-1)
  double explained = 0;  // observed peak area explained by this phase's sticks (0-1)
  int matched = 0, sticks = 0;
  double mean_offset_deg = 0;  // mean (observed - calculated) of the matched sticks
};
// Phases sorted by score; sticks weaker than 2 % are ignored; a stick matches a peak within
// tolerance_deg.
std::vector<PhaseScore> identify_phases(const Pattern& p, const std::vector<Crystal>& candidates, double tolerance_deg = 0.1);

}  // namespace castor::xrd
