// The standard normal distribution's quantile (internal): the z with Phi(z) = p, by
// bisection on erfc to double precision over [-8, 8]. Used for lognormal populations
// (particle sizes, contact resistances).
#pragma once

#include <cmath>

namespace castor::sim::detail {

inline double normal_quantile(double p) {
  double lo = -8, hi = 8;
  for (int it = 0; it < 100; ++it) {
    const double m = 0.5 * (lo + hi);
    (0.5 * std::erfc(-m / std::sqrt(2.0)) < p ? lo : hi) = m;
  }
  return 0.5 * (lo + hi);
}

}  // namespace castor::sim::detail
