#include "castor/core/peaks.h"

#include <algorithm>

namespace castor {

std::vector<LocalMaximum> local_maxima(const std::vector<double>& x, const std::vector<double>& y, double min_prominence) {
  std::vector<LocalMaximum> peaks;
  const std::size_t n = std::min(x.size(), y.size());
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (!(y[i] > y[i - 1] && y[i] >= y[i + 1])) continue;
    double left_min = y[i], right_min = y[i];
    for (std::size_t j = i; j-- > 0;) {
      if (y[j] > y[i]) break;
      left_min = std::min(left_min, y[j]);
    }
    for (std::size_t j = i + 1; j < n; ++j) {
      if (y[j] > y[i]) break;
      right_min = std::min(right_min, y[j]);
    }
    const double prom = y[i] - std::max(left_min, right_min);
    if (prom < min_prominence) continue;
    const double a = y[i - 1], b = y[i], c = y[i + 1];
    const double denom = a - 2 * b + c;
    const double delta = std::clamp(denom < 0 ? 0.5 * (a - c) / denom : 0.0, -0.5, 0.5);
    const double h = 0.5 * (x[i + 1] - x[i - 1]);
    peaks.push_back({i, x[i] + delta * h, b - 0.25 * (a - c) * delta, prom});
  }
  std::sort(peaks.begin(), peaks.end(), [](const auto& p, const auto& q) { return p.height > q.height; });
  return peaks;
}

}  // namespace castor
