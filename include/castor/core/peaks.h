// Local maxima of a sampled curve with their prominence (as scipy.signal.peak_prominences
// defines it: height above the higher of the two lowest points reached on either side before
// a higher point), refined by a parabola through the three samples around each maximum.
// Shared by dQ/dV and diffraction peak searches.
#pragma once

#include <cstddef>
#include <vector>

namespace castor {

struct LocalMaximum {
  std::size_t index = 0;  // sample of the maximum
  double x = 0;           // parabola-refined position
  double height = 0;      // parabola-refined value
  double prominence = 0;
};

// Maxima with prominence >= min_prominence, highest first. On a plateau of equal values the
// first sample counts.
std::vector<LocalMaximum> local_maxima(const std::vector<double>& x, const std::vector<double>& y, double min_prominence);

}  // namespace castor
