#include "castor/xrd/phases.h"
#include "castor/core/constants.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::xrd {

std::vector<Stick> stick_pattern(const Crystal& x, double lambda, double lo, double hi, double mono) {
  std::vector<Stick> s;
  double top = 0;
  for (const auto& r : reflections(x, lambda, hi, lo)) {
    const double I = r.multiplicity * r.F2() * lorentz_polarisation(r.two_theta_deg, mono);
    s.push_back({r.h, r.k, r.l, r.multiplicity, r.two_theta_deg, r.d_Ang, I});
    top = std::max(top, I);
  }
  if (top > 0)
    for (auto& t : s) t.intensity *= 100 / top;
  return s;
}

std::vector<PhaseScore> identify_phases(const Pattern& p, const std::vector<Crystal>& candidates, double tol) {
  if (candidates.empty()) throw Error("phase identification: no candidate phases (give CIF files)");
  const auto peaks = find_peaks(p, 8, 0, 60);
  if (peaks.empty()) throw Error(p.source, "XRD", "no peaks found for phase identification");
  const double lam = p.ka1_Ang > 0 ? p.ka1_Ang : constants::cu_ka1_Ang;
  const double lo = p.two_theta_deg.front(), hi = p.two_theta_deg.back();
  double total_area = 0;
  for (const auto& pk : peaks) total_area += pk.area;
  std::vector<PhaseScore> out;
  for (const auto& c : candidates) {
    PhaseScore sc;
    sc.name = c.name;
    double all = 0, hit = 0, off = 0;
    std::vector<bool> used(peaks.size(), false);
    for (const auto& st : stick_pattern(c, lam, lo, hi)) {
      if (st.intensity < 2) continue;
      ++sc.sticks;
      all += st.intensity;
      std::size_t best = peaks.size();
      double bd = tol;
      for (std::size_t k = 0; k < peaks.size(); ++k) {
        const double d = std::fabs(peaks[k].position_deg - st.two_theta_deg);
        if (d <= bd) bd = d, best = k;
      }
      if (best < peaks.size()) {
        hit += st.intensity;
        ++sc.matched;
        off += peaks[best].position_deg - st.two_theta_deg;
        used[best] = true;
      }
    }
    double expl = 0;
    for (std::size_t k = 0; k < peaks.size(); ++k)
      if (used[k]) expl += peaks[k].area;
    sc.score = all > 0 ? hit / all : 0;
    sc.explained = total_area > 0 ? expl / total_area : 0;
    sc.mean_offset_deg = sc.matched ? off / sc.matched : 0;
    out.push_back(sc);
  }
  // A minor phase explains little of the pattern but all of its own strong lines: rank by
  // the share of the phase's sticks found, then by the pattern share explained.
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.score != b.score ? a.score > b.score : a.explained > b.explained; });
  return out;
}

}  // namespace castor::xrd
