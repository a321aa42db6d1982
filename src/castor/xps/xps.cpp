#include "castor/xps/xps.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <Eigen/Dense>
#include <ceres/ceres.h>
#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/fit/detail/covariance.h"

namespace castor::xps {
namespace {

Region sorted(const Region& r) {
  if (r.be_eV.size() != r.counts.size() || r.be_eV.size() < 5)
    throw Error(fmt::format("XPS region {}: needs at least 5 points with energies and counts", r.name));
  std::vector<std::size_t> idx(r.be_eV.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return r.be_eV[a] < r.be_eV[b]; });
  Region s;
  s.name = r.name, s.source = r.source;
  for (auto i : idx) s.be_eV.push_back(r.be_eV[i]), s.counts.push_back(r.counts[i]);
  return s;
}

double end_mean(const std::vector<double>& v, int n, bool high) {
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(n), v.size());
  double s = 0;
  for (std::size_t i = 0; i < k; ++i) s += high ? v[v.size() - 1 - i] : v[i];
  return s / static_cast<double>(k);
}

struct Layout {
  // Parameter vector: for each component, [position, fwhm, area] unless linked/fixed.
  std::vector<int> pos_index, fwhm_index, area_index;
  int n = 0;
};

}  // namespace

Region crop(const Region& r, double lo, double hi) {
  Region s;
  s.name = r.name, s.source = r.source;
  for (std::size_t i = 0; i < r.be_eV.size() && i < r.counts.size(); ++i)
    if (r.be_eV[i] >= lo && r.be_eV[i] <= hi) s.be_eV.push_back(r.be_eV[i]), s.counts.push_back(r.counts[i]);
  return s;
}

Region shift(const Region& r, double measured, double reference) {
  Region s = r;
  for (double& e : s.be_eV) e += reference - measured;
  return s;
}

std::vector<double> linear_background(const Region& r0, int n) {
  const Region r = sorted(r0);
  const double a = end_mean(r.counts, n, false), b = end_mean(r.counts, n, true);
  const double x0 = r.be_eV.front(), x1 = r.be_eV.back();
  std::vector<double> bg;
  for (double x : r.be_eV) bg.push_back(a + (b - a) * (x - x0) / (x1 - x0));
  return bg;
}

namespace {
// Tougaard integral without B: S_i = sum over lower-BE points j of K1(E_i - E_j) (y_j - y_low) dE_j.
std::vector<double> tougaard_integral(const Region& r, const Tougaard& t, double& y_low) {
  const std::size_t N = r.counts.size();
  y_low = end_mean(r.counts, t.end_points, false);
  std::vector<double> S(N, 0.0);
  for (std::size_t i = 0; i < N; ++i) {
    double acc = 0;
    for (std::size_t j = 0; j < i; ++j) {
      const double T = r.be_eV[i] - r.be_eV[j];
      if (T < t.gap_eV - 1e-9) continue;
      const double dE = r.be_eV[j + 1] - r.be_eV[j];
      const double K = t.D > 0 ? T / (std::pow(t.C - T * T, 2) + t.D * T * T) : T / std::pow(t.C + T * T, 2);
      acc += K * (r.counts[j] - y_low) * dE;
    }
    S[i] = acc;
  }
  return S;
}
}  // namespace

namespace {
// B that makes the background meet the high-BE end mean, from the integral S.
double meet_high_end(const Region& r, const Tougaard& t, const std::vector<double>& S, double y_low) {
  if (S.back() == 0) throw Error(fmt::format("XPS region {}: the Tougaard integral is zero (flat region?)", r.name));
  return (end_mean(r.counts, t.end_points, true) - y_low) / S.back();
}
}  // namespace

double tougaard_auto_B(const Region& r0, const Tougaard& t) {
  const Region r = sorted(r0);
  double y_low = 0;
  const auto S = tougaard_integral(r, t, y_low);
  return meet_high_end(r, t, S, y_low);
}

std::vector<double> tougaard_background(const Region& r0, const Tougaard& t) {
  const Region r = sorted(r0);
  if (t.C <= 0 || t.D < 0) throw Error(fmt::format("XPS region {}: Tougaard C must be positive and D not negative", r.name));
  double y_low = 0;
  const auto S = tougaard_integral(r, t, y_low);
  const double B = t.B > 0 ? t.B : meet_high_end(r, t, S, y_low);
  std::vector<double> bg(S.size());
  for (std::size_t i = 0; i < S.size(); ++i) bg[i] = y_low + B * S[i];
  return bg;
}

std::vector<double> shirley_background(const Region& r0, int n, int iterations) {
  const Region r = sorted(r0);
  const std::size_t N = r.counts.size();
  const double lo = end_mean(r.counts, n, false), hi = end_mean(r.counts, n, true);
  std::vector<double> bg(N, lo), cum(N, 0);
  for (int it = 0; it < iterations; ++it) {
    // cum(i) = integral from the low-BE end to be_i of (I - B); B rises toward high BE.
    cum[0] = 0;
    for (std::size_t i = 1; i < N; ++i)
      cum[i] = cum[i - 1] + 0.5 * ((r.counts[i] - bg[i]) + (r.counts[i - 1] - bg[i - 1])) * (r.be_eV[i] - r.be_eV[i - 1]);
    const double total = cum[N - 1];
    double change = 0;
    for (std::size_t i = 0; i < N; ++i) {
      const double nb = total != 0 ? lo + (hi - lo) * cum[i] / total : lo;
      change = std::max(change, std::fabs(nb - bg[i]));
      bg[i] = nb;
    }
    if (change < 1e-9 * (std::fabs(hi) + std::fabs(lo) + 1)) break;
  }
  return bg;
}

RegionFit fit_region(const Region& region, std::vector<Component> comps, const std::vector<double>& background,
                     const FitSettings& settings) {
  if (!(settings.instrument_fwhm_eV >= 0) || !std::isfinite(settings.instrument_fwhm_eV))
    throw Error(fmt::format("XPS region {}: instrument FWHM {} eV is not a width", region.name, settings.instrument_fwhm_eV));
  const Region r = sorted(region);
  const std::size_t N = r.counts.size();
  if (background.size() != N) throw Error(fmt::format("XPS region {}: background has {} points, data {}", r.name, background.size(), N));
  if (comps.empty()) throw Error(fmt::format("XPS region {}: no components to fit", r.name));
  // Parameter layout with the constraints.
  Layout L;
  std::vector<double> p;
  std::map<std::string, int> width_groups;
  for (std::size_t k = 0; k < comps.size(); ++k) {
    auto& c = comps[k];
    if (c.position_from) {
      if (*c.position_from >= comps.size() || *c.position_from == k)
        throw Error(fmt::format("XPS component {}: position_from names no other component", c.name));
      L.pos_index.push_back(-1);
    } else if (c.fix_position) {
      L.pos_index.push_back(-1);
    } else {
      L.pos_index.push_back(L.n++);
      p.push_back(c.position_eV);
    }
    if (c.fix_width) {
      L.fwhm_index.push_back(-1);
    } else if (!c.width_group.empty() && width_groups.count(c.width_group)) {
      L.fwhm_index.push_back(width_groups[c.width_group]);
    } else {
      L.fwhm_index.push_back(L.n++);
      p.push_back(std::log(c.fwhm_eV));
      if (!c.width_group.empty()) width_groups[c.width_group] = L.fwhm_index.back();
    }
    if (c.area_from) {
      if (*c.area_from >= comps.size() || *c.area_from == k || comps[*c.area_from].area_from)
        throw Error(fmt::format("XPS component {}: area_from must name another component with a free area", c.name));
      if (!(c.area_ratio > 0)) throw Error(fmt::format("XPS component {}: area ratio {} is not positive", c.name, c.area_ratio));
      L.area_index.push_back(-1);
    } else {
      L.area_index.push_back(L.n++);
      p.push_back(std::log(std::max(c.area, 1e-12)));
    }
  }

  auto unpack = [&](const double* x, std::vector<Component>& out) {
    out = comps;
    for (std::size_t k = 0; k < comps.size(); ++k) {
      if (L.pos_index[k] >= 0) out[k].position_eV = x[L.pos_index[k]];
      if (L.fwhm_index[k] >= 0) out[k].fwhm_eV = std::exp(x[L.fwhm_index[k]]);
      if (L.area_index[k] >= 0) out[k].area = std::exp(x[L.area_index[k]]);
    }
    for (std::size_t k = 0; k < comps.size(); ++k) {
      if (comps[k].position_from) out[k].position_eV = out[*comps[k].position_from].position_eV + comps[k].position_offset_eV;
      if (comps[k].area_from) out[k].area = out[*comps[k].area_from].area * comps[k].area_ratio;
    }
  };
  auto model = [&](const std::vector<Component>& cs, std::vector<double>& y) {
    y.assign(r.be_eV.size(), 0.0);
    for (const auto& c : cs) {
      const auto a = peak_profile(c.shape, r.be_eV, c.position_eV, c.fwhm_eV, c.area);
      for (std::size_t i = 0; i < y.size(); ++i) y[i] += a[i];
      if (c.doublet_splitting_eV) {
        const auto b = peak_profile(c.shape, r.be_eV, c.position_eV + *c.doublet_splitting_eV, c.fwhm_eV * c.doublet_fwhm_factor,
                                    c.area * c.doublet_area_ratio.value_or(0.5));
        for (std::size_t i = 0; i < y.size(); ++i) y[i] += b[i];
      }
    }
  };
  struct Cost {
    const Region& r;
    const std::vector<double>& bg;
    decltype(unpack)& up;
    decltype(model)& fn;
    bool operator()(const double* const* x, double* res) const {
      std::vector<Component> cs;
      up(x[0], cs);
      std::vector<double> y;
      fn(cs, y);
      for (std::size_t i = 0; i < r.counts.size(); ++i) res[i] = r.counts[i] - bg[i] - y[i];
      return true;
    }
  };
  // The parameter each component's position follows (its own, or the component it is tied
  // to, as unpack resolves them), -1 when fixed.
  std::vector<int> pos_param(comps.size(), -1);
  for (std::size_t k = 0; k < comps.size(); ++k) {
    if (L.pos_index[k] >= 0) {
      pos_param[k] = L.pos_index[k];
    } else if (comps[k].position_from) {
      const std::size_t j = *comps[k].position_from;
      pos_param[k] = comps[j].position_from ? (j < k ? pos_param[j] : -1) : L.pos_index[j];
    }
  }
  // Analytic derivatives (GL, SGL, V): every peak is area/fwhm F((x - pos)/fwhm), so its
  // value and slope give the derivatives in position, ln FWHM and ln area (lineshape.h).
  // LA/LF profiles (fixed Gaussian and damping widths) keep forward differences.
  struct AnalyticCost final : ceres::CostFunction {
    const Region& r;
    const std::vector<double>& bg;
    decltype(unpack)& up;
    const std::vector<Component>& base;
    const Layout& lay;
    const std::vector<int>& pos_of;
    int n_par;
    mutable std::vector<double> y, dydx;
    AnalyticCost(const Region& r_, const std::vector<double>& bg_, decltype(unpack)& up_, const std::vector<Component>& base_,
                 const Layout& lay_, const std::vector<int>& pos_of_, int n)
        : r(r_), bg(bg_), up(up_), base(base_), lay(lay_), pos_of(pos_of_), n_par(n) {
      set_num_residuals(static_cast<int>(r.counts.size()));
      mutable_parameter_block_sizes()->push_back(n);
    }
    bool Evaluate(double const* const* x, double* res, double** jac) const override {
      std::vector<Component> cs;
      up(x[0], cs);
      const std::size_t n = r.counts.size();
      for (std::size_t i = 0; i < n; ++i) res[i] = r.counts[i] - bg[i];
      double* J = jac && jac[0] ? jac[0] : nullptr;
      if (J) std::fill(J, J + n * static_cast<std::size_t>(n_par), 0.0);
      for (std::size_t k = 0; k < cs.size(); ++k) {
        const auto& c = cs[k];
        const int ip = pos_of[k], iw = lay.fwhm_index[k];
        const int ia = lay.area_index[k] >= 0 ? lay.area_index[k] : lay.area_index[*base[k].area_from];
        auto add_peak = [&](double pos, double fwhm, double area) {
          peak_profile_and_slope(c.shape, r.be_eV, pos, fwhm, area, y, dydx);
          for (std::size_t i = 0; i < n; ++i) {
            res[i] -= y[i];
            if (!J) continue;
            double* row = J + i * static_cast<std::size_t>(n_par);
            // residual = counts - bg - model: each derivative enters with a minus sign.
            if (ip >= 0) row[ip] += dydx[i];
            if (iw >= 0) row[iw] += y[i] + (r.be_eV[i] - pos) * dydx[i];
            if (ia >= 0) row[ia] -= y[i];
          }
        };
        add_peak(c.position_eV, c.fwhm_eV, c.area);
        if (c.doublet_splitting_eV)
          add_peak(c.position_eV + *c.doublet_splitting_eV, c.fwhm_eV * c.doublet_fwhm_factor, c.area * c.doublet_area_ratio.value_or(0.5));
      }
      for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(res[i])) return false;
      return true;
    }
  };
  const bool analytic = std::all_of(comps.begin(), comps.end(), [](const Component& c) { return has_analytic_slope(c.shape); });
  ceres::CostFunction* cost = nullptr;
  if (analytic) {
    cost = new AnalyticCost(r, background, unpack, comps, L, pos_param, L.n);
  } else {
    auto* numeric = new ceres::DynamicNumericDiffCostFunction<Cost, ceres::FORWARD>(new Cost{r, background, unpack, model});
    numeric->AddParameterBlock(L.n);
    numeric->SetNumResiduals(static_cast<int>(N));
    cost = numeric;
  }
  ceres::Problem problem;
  problem.AddResidualBlock(cost, nullptr, p.data());
  for (std::size_t k = 0; k < comps.size(); ++k)
    if (L.pos_index[k] >= 0) {
      problem.SetParameterLowerBound(p.data(), L.pos_index[k], r.be_eV.front());
      problem.SetParameterUpperBound(p.data(), L.pos_index[k], r.be_eV.back());
    }
  // Widths between 1.5 energy steps (narrower is one point) or the instrument's resolution,
  // and half the region.
  const double width_eV = r.be_eV.back() - r.be_eV.front();
  const double step_eV = N > 1 ? width_eV / static_cast<double>(N - 1) : width_eV;
  const bool by_instrument = settings.instrument_fwhm_eV > 1.5 * step_eV;
  const double fwhm_lo = std::max({1.5 * step_eV, settings.instrument_fwhm_eV, 1e-3});
  const double fwhm_hi = std::max(0.5 * width_eV, 2 * fwhm_lo);
  const std::vector<Component> start = comps;
  for (std::size_t k = 0; k < comps.size(); ++k)
    if (L.fwhm_index[k] >= 0) {
      double& x = p[static_cast<std::size_t>(L.fwhm_index[k])];
      x = std::clamp(x, std::log(fwhm_lo) + 1e-9, std::log(fwhm_hi) - 1e-9);
      problem.SetParameterLowerBound(p.data(), L.fwhm_index[k], std::log(fwhm_lo));
      problem.SetParameterUpperBound(p.data(), L.fwhm_index[k], std::log(fwhm_hi));
    }
  ceres::Solver::Options so;
  so.linear_solver_type = ceres::DENSE_QR;
  so.max_num_iterations = 500;
  so.logging_type = ceres::SILENT;
  ceres::Solver::Summary sum;
  ceres::Solve(so, &problem, &sum);
  if (sum.termination_type == ceres::FAILURE || !std::isfinite(sum.final_cost)) {
    // Say where each peak went: the last parameters the solver held.
    std::vector<Component> last;
    unpack(p.data(), last);
    std::string where;
    for (std::size_t k = 0; k < last.size(); ++k)
      where += fmt::format("{}{} {:.2f} -> {:.2f} eV, FWHM {:.3g} -> {:.3g} eV, area {:.4g}", where.empty() ? "" : "; ", last[k].name,
                           start[k].position_eV, last[k].position_eV, start[k].fwhm_eV, last[k].fwhm_eV, last[k].area);
    throw Error(fmt::format("XPS region {}: fit failed ({}); where the peaks went: {}", r.name, sum.message, where));
  }

  RegionFit out;
  unpack(p.data(), out.components);
  out.be_eV = r.be_eV;
  out.counts = r.counts;
  out.background = background;
  double ss = 0;
  std::vector<double> fitted;
  model(out.components, fitted);
  for (std::size_t i = 0; i < N; ++i) {
    out.envelope.push_back(background[i] + fitted[i]);
    ss += std::pow(r.counts[i] - out.envelope.back(), 2);
  }
  out.residual_rms = std::sqrt(ss / static_cast<double>(N));
  out.fwhm_min_eV = fwhm_lo, out.fwhm_max_eV = fwhm_hi;
  double total_area = 0;
  for (const auto& c : out.components) total_area += c.area;
  for (std::size_t k = 0; k < out.components.size(); ++k) {
    const auto& c = out.components[k];
    if (std::fabs(std::log(c.fwhm_eV / fwhm_lo)) < 1e-3)
      out.warnings.push_back(fmt::format("{}: FWHM {:.3g} eV sits on its lower bound ({}): the data do not resolve it", c.name, c.fwhm_eV,
                                         by_instrument ? "the instrument's resolution" : "1.5 energy steps"));
    if (c.area < 1e-4 * total_area)
      out.warnings.push_back(fmt::format("{}: its area went to {:.3g} ({:.2g} % of the total): the data hold no such component", c.name,
                                         c.area, 100 * c.area / total_area));
    if (L.pos_index[k] >= 0 && std::fabs(c.position_eV - start[k].position_eV) > 2 * std::max(start[k].fwhm_eV, c.fwhm_eV))
      out.warnings.push_back(fmt::format("{}: moved from {:.2f} to {:.2f} eV, more than two widths from where it started", c.name,
                                         start[k].position_eV, c.position_eV));
    for (std::size_t j = 0; j < k; ++j) {
      const auto& o = out.components[j];
      if (std::fabs(c.position_eV - o.position_eV) < 0.25 * std::min(c.fwhm_eV, o.fwhm_eV) && c.shape.kind == o.shape.kind)
        out.warnings.push_back(fmt::format("{} and {}: both at {:.2f} eV, one peak fitted twice: their areas are not separable", o.name,
                                           c.name, c.position_eV));
    }
    if (std::fabs(std::log(c.fwhm_eV / fwhm_hi)) < 1e-3)
      out.warnings.push_back(
          fmt::format("{}: FWHM {:.3g} eV sits on its upper bound (half the region): no peak the data show", c.name, c.fwhm_eV));
    if (std::fabs(c.position_eV - r.be_eV.front()) < 1e-6 || std::fabs(c.position_eV - r.be_eV.back()) < 1e-6)
      out.warnings.push_back(
          fmt::format("{}: position {:.2f} eV went to the region's edge: the fit moved it out of the data", c.name, c.position_eV));
  }
  for (auto& w : background_warnings(r, background)) out.warnings.push_back(std::move(w));
  // Uncertainties from the Jacobian (numerical), scaled by the residual variance.
  const Eigen::MatrixXd cov = fit::parameter_covariance(problem);
  out.position_error.assign(comps.size(), 0);
  out.fwhm_error.assign(comps.size(), 0);
  out.area_error.assign(comps.size(), 0);
  for (std::size_t k = 0; k < comps.size(); ++k) {
    if (L.pos_index[k] >= 0) out.position_error[k] = std::sqrt(cov(L.pos_index[k], L.pos_index[k]));
    if (L.fwhm_index[k] >= 0) out.fwhm_error[k] = out.components[k].fwhm_eV * std::sqrt(cov(L.fwhm_index[k], L.fwhm_index[k]));
    const int ai = L.area_index[k] >= 0 ? L.area_index[k] : L.area_index[*comps[k].area_from];
    out.area_error[k] = out.components[k].area * std::sqrt(cov(ai, ai));
  }
  return out;
}

std::vector<std::string> background_warnings(const Region& r, const std::vector<double>& bg) {
  std::vector<std::string> w;
  const std::size_t n = std::min(r.counts.size(), bg.size());
  if (n < 3) return w;
  // The lower end's level: the mean of the first few counts (low binding energy side).
  const std::size_t m = std::max<std::size_t>(1, n / 50);
  double low = 0;
  for (std::size_t i = 0; i < m; ++i) low += r.counts[i];
  low /= static_cast<double>(m);
  std::size_t above = 0, below = 0;
  double worst_above = 0, worst_below = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double sigma = std::sqrt(std::max(r.counts[i], 1.0));
    if (bg[i] - r.counts[i] > 3 * sigma) ++above, worst_above = std::max(worst_above, bg[i] - r.counts[i]);
    const double s_low = std::sqrt(std::max(low, 1.0));
    if (low - bg[i] > 3 * s_low) ++below, worst_below = std::max(worst_below, low - bg[i]);
  }
  const double limit = 0.02 * static_cast<double>(n);
  if (static_cast<double>(above) > limit)
    w.push_back(
        fmt::format("the background lies above the data at {} of {} points (by up to {:.4g} counts): choose its end "
                    "points or another background",
                    above, n, worst_above));
  if (static_cast<double>(below) > limit)
    w.push_back(
        fmt::format("the background dips below the region's lower-end level at {} of {} points (by up to {:.4g} "
                    "counts): choose its end points or another background",
                    below, n, worst_below));
  return w;
}

std::vector<double> component_curve(const RegionFit& fit, std::size_t k) {
  const auto& c = fit.components.at(k);
  auto y = peak_profile(c.shape, fit.be_eV, c.position_eV, c.fwhm_eV, c.area);
  if (c.doublet_splitting_eV) {
    const auto b = peak_profile(c.shape, fit.be_eV, c.position_eV + *c.doublet_splitting_eV, c.fwhm_eV * c.doublet_fwhm_factor,
                                c.area * c.doublet_area_ratio.value_or(0.5));
    for (std::size_t i = 0; i < y.size(); ++i) y[i] += b[i];
  }
  return y;
}

std::vector<double> area_fractions(const RegionFit& fit) {
  std::vector<double> a;
  double total = 0;
  for (const auto& c : fit.components) {
    const double full = c.area * (1 + (c.doublet_splitting_eV ? c.doublet_area_ratio.value_or(0.5) : 0.0));
    a.push_back(full);
    total += full;
  }
  for (double& x : a) x /= total;
  return a;
}

double average_oxidation_state(const RegionFit& fit, const std::vector<double>& states) {
  if (states.size() != fit.components.size())
    throw Error(fmt::format("XPS: {} oxidation states given for {} components", states.size(), fit.components.size()));
  const auto f = area_fractions(fit);
  double s = 0;
  for (std::size_t k = 0; k < f.size(); ++k) s += f[k] * states[k];
  return s;
}

double ions_from_reduced_fraction(double reduced_fraction, double redox_atoms_per_formula, int ion_charge) {
  if (ion_charge < 1) throw Error(fmt::format("XPS: ion charge {} must be at least 1", ion_charge));
  if (!(reduced_fraction >= 0 && reduced_fraction <= 1))
    throw Error(fmt::format("XPS: reduced fraction {} is outside 0-1", reduced_fraction));
  return reduced_fraction * redox_atoms_per_formula / ion_charge;
}

}  // namespace castor::xps
