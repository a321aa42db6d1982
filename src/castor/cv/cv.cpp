#include "castor/cv/cv.h"
#include "castor/core/constants.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/cycling/dqdv.h"

namespace castor::cv {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kFaraday = constants::faraday_C_mol, kGas = constants::gas_J_mol_K;

double median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

std::optional<LogLogFit> fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() < 2) return std::nullopt;
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) n += 1, sx += x[i], sy += y[i], sxx += x[i] * x[i], sxy += x[i] * y[i], syy += y[i] * y[i];
  const double den = n * sxx - sx * sx;
  if (!(den > 0)) return std::nullopt;
  LogLogFit f;
  f.points = static_cast<int>(n);
  f.slope = (n * sxy - sx * sy) / den;
  f.intercept = (sy - f.slope * sx) / n;
  const double vy = n * syy - sy * sy;
  f.r2 = vy > 0 ? (n * sxy - sx * sy) * (n * sxy - sx * sy) / (den * vy) : 1.0;
  return f;
}
}  // namespace

CvResult analyse_cv(const Table& t, const CvOptions& o) {
  for (auto c : {col::time_s, col::voltage_V, col::current_A})
    if (!t.has(c)) throw Error(t.meta.source_file, t.meta.format, fmt::format("CV needs a {} column", c));
  const auto& time = t.values(col::time_s);
  const auto& v = t.values(col::voltage_V);
  const auto& cur = t.values(col::current_A);
  const std::size_t n = t.rows();
  if (n < 10) throw Error(t.meta.source_file, t.meta.format, fmt::format("CV: {} rows, too few", n));
  // Turning points: the potential moves back from its running extreme by the hysteresis.
  std::vector<std::size_t> turns{0};
  int dir = 0;
  std::size_t ext = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (!std::isfinite(v[i])) continue;
    if (dir == 0) {
      if (std::fabs(v[i] - v[0]) > o.turn_hysteresis_V) dir = v[i] > v[0] ? 1 : -1, ext = i;
      continue;
    }
    if ((dir > 0 && v[i] >= v[ext]) || (dir < 0 && v[i] <= v[ext]))
      ext = i;
    else if (std::fabs(v[i] - v[ext]) > o.turn_hysteresis_V) {
      turns.push_back(ext);
      dir = -dir;
      ext = i;
    }
  }
  turns.push_back(n - 1);
  CvResult r;
  std::vector<double> rates;
  for (std::size_t k = 0; k + 1 < turns.size(); ++k) {
    CvSweep s;
    s.index = static_cast<int>(r.sweeps.size()) + 1;
    s.begin = turns[k];
    s.end = turns[k + 1] + 1;
    if (s.end - s.begin < 5) continue;
    s.start_V = v[s.begin], s.end_V = v[s.end - 1];
    s.direction = s.end_V > s.start_V ? SweepDirection::anodic : SweepDirection::cathodic;
    const double dt = time[s.end - 1] - time[s.begin];
    s.scan_rate_V_s = dt > 0 ? std::fabs(s.end_V - s.start_V) / dt : kNaN;
    if (std::isfinite(s.scan_rate_V_s)) rates.push_back(s.scan_rate_V_s);
    const double span = std::fabs(s.end_V - s.start_V);
    // Noise level of the current: the median absolute second difference.
    std::vector<double> d2;
    for (std::size_t i = s.begin + 1; i + 1 < s.end; ++i)
      if (std::isfinite(cur[i - 1] + cur[i] + cur[i + 1])) d2.push_back(std::fabs(cur[i + 1] - 2 * cur[i] + cur[i - 1]));
    const double noise = median(d2);
    for (int sign : {1, -1}) {
      // Peaks of sign x I (5-point moving average) by prominence, away from the vertices.
      std::vector<double> xs, ys;
      std::vector<std::size_t> rows;
      for (std::size_t i = s.begin; i < s.end; ++i) {
        double acc = 0;
        int m = 0;
        for (std::size_t j = i >= s.begin + 2 ? i - 2 : s.begin; j <= std::min(i + 2, s.end - 1); ++j)
          if (std::isfinite(cur[j])) acc += cur[j], ++m;
        if (m == 0) continue;
        xs.push_back(static_cast<double>(rows.size()));
        ys.push_back(sign * acc / m);
        rows.push_back(i);
      }
      const auto peaks = cycling::find_peaks(xs, ys, std::max(5 * noise, 1e-15));
      std::size_t pk = s.end;
      double best = -1;
      for (const auto& q : peaks) {
        const std::size_t i = rows[static_cast<std::size_t>(std::lround(q.voltage_V))];
        if (std::fabs(v[i] - s.end_V) < o.edge_fraction * span || std::fabs(v[i] - s.start_V) < o.edge_fraction * span) continue;
        if (q.prominence > best) best = q.prominence, pk = i;
      }
      if (pk == s.end) continue;
      // The extreme raw current near the smoothed peak.
      for (std::size_t j = pk >= s.begin + 2 ? pk - 2 : s.begin; j <= std::min(pk + 2, s.end - 1); ++j)
        if (std::isfinite(cur[j]) && sign * cur[j] > sign * cur[pk]) pk = j;
      // Baseline: a straight line through the flattest stretch of current before the peak
      // (a window of baseline_width of the way from the sweep start to the peak, ending at
      // least 5 % before it), extrapolated to the peak potential.
      const double dist = v[pk] - s.start_V;
      std::optional<LogLogFit> line;
      double flattest = std::numeric_limits<double>::infinity();
      const int windows = 20;
      for (int w = 0; w < windows; ++w) {
        const double f0 = o.baseline_start + (0.95 - o.baseline_width - o.baseline_start) * w / (windows - 1);
        const double lo_v = s.start_V + f0 * dist, hi_v = s.start_V + (f0 + o.baseline_width) * dist;
        std::vector<double> bx, by;
        for (std::size_t i = s.begin; i < pk; ++i)
          if (std::min(lo_v, hi_v) <= v[i] && v[i] <= std::max(lo_v, hi_v) && std::isfinite(cur[i]))
            bx.push_back(v[i]), by.push_back(cur[i]);
        if (bx.size() < 3) continue;
        const auto f = fit_line(bx, by);
        if (f && std::fabs(f->slope) < flattest) flattest = std::fabs(f->slope), line = f;
      }
      CvPeak p;
      p.potential_V = v[pk];
      p.current_A = cur[pk];
      p.baseline_A = line ? line->intercept + line->slope * p.potential_V : 0.0;
      p.height_A = p.current_A - p.baseline_A;
      // An oxidation peak passes anodic current above its baseline, a reduction peak
      // cathodic current below it.
      if (sign * p.height_A <= 0 || sign * p.current_A <= 0) continue;
      (sign > 0 ? s.anodic : s.cathodic) = p;
    }
    if (!s.anodic && !s.cathodic) s.note = "no current peak inside the sweep (largest currents at a vertex)";
    r.sweeps.push_back(s);
  }
  r.scan_rate_V_s = median(rates);
  for (std::size_t k = 0; k < r.sweeps.size(); k += 2) {
    CvCycle c;
    c.cycle = static_cast<int>(r.cycles.size()) + 1;
    for (std::size_t j = k; j < std::min(k + 2, r.sweeps.size()); ++j) {
      const auto& sw = r.sweeps[j];
      if (sw.anodic && (!c.anodic || sw.anodic->height_A > c.anodic->height_A)) c.anodic = sw.anodic;
      if (sw.cathodic && (!c.cathodic || sw.cathodic->height_A < c.cathodic->height_A)) c.cathodic = sw.cathodic;
    }
    c.e_half_V = c.separation_V = kNaN;
    if (c.anodic && c.cathodic) {
      c.e_half_V = 0.5 * (c.anodic->potential_V + c.cathodic->potential_V);
      c.separation_V = c.anodic->potential_V - c.cathodic->potential_V;
    }
    r.cycles.push_back(c);
  }
  return r;
}

ScanRateResult scan_rate_analysis(const std::vector<ScanRatePoint>& pts, int n_e, double area, double conc, double T, bool insertion) {
  ScanRateResult r;
  r.randles_sevcik_assumptions = fmt::format(
      "Randles-Sevcik assumes a dissolved species diffusing semi-infinitely to a planar electrode with reversible "
      "(Nernstian) kinetics, at {:.1f} K; the D is of that species",
      T);
  for (int side = 0; side < 2; ++side) {
    std::vector<double> lx, ly, sx, sy;
    for (const auto& p : pts) {
      const auto& h = side == 0 ? p.anodic_height_A : p.cathodic_height_A;
      if (!h || !(std::fabs(*h) > 0) || !(p.scan_rate_V_s > 0)) continue;
      lx.push_back(std::log10(p.scan_rate_V_s));
      ly.push_back(std::log10(std::fabs(*h)));
      sx.push_back(std::sqrt(p.scan_rate_V_s));
      sy.push_back(std::fabs(*h));
    }
    auto f = fit_line(lx, ly);
    (side == 0 ? r.anodic : r.cathodic) = f;
    const char* name = side == 0 ? "anodic" : "cathodic";
    if (sx.size() >= 2) {
      // i_p / sqrt(v) = k1 sqrt(v) + k2: a straight line in sqrt(v).
      std::vector<double> xs, ys;
      for (std::size_t i = 0; i < sx.size(); ++i) xs.push_back(sx[i]), ys.push_back(sy[i] / sx[i]);
      if (const auto d = fit_line(xs, ys)) {
        DunnSplit split{d->slope, d->intercept, {}, {}};
        for (std::size_t i = 0; i < sx.size(); ++i) {
          const double v = sx[i] * sx[i];
          split.scan_rate_V_s.push_back(v);
          split.capacitive_fraction.push_back(d->slope * v / (d->slope * v + d->intercept * sx[i]));
        }
        double worst = 0;  // the most negative part, as a fraction of the peak current
        for (double c : split.capacitive_fraction) worst = std::min({worst, c, 1 - c});
        if (worst < -0.05) {
          r.warnings.push_back(
              fmt::format("{} peaks: Dunn's split gives a negative {} part (down to {:.0f} % of the peak "
                          "current): the peak currents do not follow k1 v + k2 v^0.5, no split is given",
                          name, d->slope < 0 ? "surface" : "diffusion", 100 * worst));
        } else {
          for (double& c : split.capacitive_fraction) c = std::clamp(c, 0.0, 1.0);  // within 5 % of a pure part
          (side == 0 ? r.anodic_dunn : r.cathodic_dunn) = split;
        }
      }
    }
    if (f && std::fabs(f->slope - 0.5) > 0.1)
      r.warnings.push_back(
          fmt::format("{} peaks: b = {:.2f} (i_p ~ v^b) is far from 0.5: the current is not diffusion-limited "
                      "as Randles-Sevcik assumes{}",
                      name, f->slope, area > 0 && conc > 0 ? ", so its D does not apply" : ""));
    if (f && area > 0 && conc > 0 && n_e > 0) {
      // |i_p| = k sqrt(v) through the origin: k = sum(x y) / sum(x^2).
      double sxy = 0, sxx = 0;
      for (std::size_t i = 0; i < sx.size(); ++i) sxy += sx[i] * sy[i], sxx += sx[i] * sx[i];
      const double k = sxy / sxx;
      const double pre = 0.4463 * n_e * kFaraday * area * conc * std::sqrt(n_e * kFaraday / (kGas * T));
      (side == 0 ? r.anodic_D_cm2_s : r.cathodic_D_cm2_s) = (k / pre) * (k / pre);
    }
  }
  if (insertion && (r.anodic_D_cm2_s || r.cathodic_D_cm2_s))
    r.warnings.push_back(
        "an insertion electrode: the ions diffuse in the solid, not as a dissolved species to a plane; the "
        "Randles-Sevcik D is an apparent value with an assumed concentration and area, not a solid-state D "
        "(use GITT for that)");
  return r;
}

}  // namespace castor::cv
