#include "castor/xrd/profile.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <Eigen/Dense>
#include <ceres/ceres.h>
#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/peaks.h"
#include "castor/fit/detail/covariance.h"

namespace castor::xrd {
namespace {
constexpr double kDeg = std::numbers::pi / 180;
constexpr double kLn2 = 0.69314718055994530942;
}  // namespace

void Caglioti::widths(double tt, double& fwhm, double& eta) const {
  const double th = tt * kDeg / 2, t = std::tan(th);
  const double g2 = U * t * t + V * t + W;
  // Below a floor the Gaussian variance continues exponentially (value and slope match at
  // the floor), so a fit that passes through negative U tan^2 + V tan + W keeps a gradient.
  constexpr double floor = 1e-6;
  const double g = std::sqrt(g2 > floor ? g2 : floor * std::exp(g2 / floor - 1));
  const double l = std::max(X * t + Y / std::cos(th), 0.0);
  // Thompson, Cox & Hastings (1987): the total width and the Lorentzian fraction.
  const double f5 = std::pow(g, 5) + 2.69269 * std::pow(g, 4) * l + 2.42843 * std::pow(g, 3) * l * l + 4.47163 * g * g * std::pow(l, 3) +
                    0.07842 * g * std::pow(l, 4) + std::pow(l, 5);
  fwhm = std::pow(f5, 0.2);
  const double q = l / fwhm;
  eta = std::clamp(1.36603 * q - 0.47719 * q * q + 0.11116 * q * q * q, 0.0, 1.0);
}

Caglioti Caglioti::from_gsas(double GU, double GV, double GW, double LX, double LY) {
  const double k = 8 * kLn2 / 1e4;  // sigma^2 (centideg^2) -> FWHM^2 (deg^2)
  return Caglioti{GU * k, GV * k, GW * k, LY / 100, LX / 100};
}

double pseudo_voigt(double dx, double fwhm, double eta) {
  const double u = dx / fwhm;
  const double g = 2 / fwhm * std::sqrt(kLn2 / std::numbers::pi) * std::exp(-4 * kLn2 * u * u);
  const double l = 2 / (std::numbers::pi * fwhm) / (1 + 4 * u * u);
  return eta * l + (1 - eta) * g;
}

double lorentz_polarisation(double tt, double mono) {
  const double th = tt * kDeg / 2;
  const double c2m = std::pow(std::cos(mono * kDeg), 2);
  return (1 + std::pow(std::cos(2 * th), 2) * c2m) / (std::pow(std::sin(th), 2) * std::cos(th) * (1 + c2m));
}

double chebyshev_background(const std::vector<double>& c, double x, double lo, double hi) {
  const double t = hi > lo ? (2 * x - lo - hi) / (hi - lo) : 0.0;
  double t0 = 1, t1 = t, s = 0;
  for (std::size_t n = 0; n < c.size(); ++n) {
    const double tn = n == 0 ? t0 : n == 1 ? t1 : 2 * t * t1 - t0;
    if (n >= 2) t0 = t1, t1 = tn;
    s += c[n] * tn;
  }
  return s;
}

PeakFit fit_peak(const Pattern& p, double lo, double hi) {
  std::vector<double> x, y, w;
  for (std::size_t i = 0; i < p.counts.size(); ++i)
    if (p.two_theta_deg[i] >= lo && p.two_theta_deg[i] <= hi) {
      x.push_back(p.two_theta_deg[i]);
      y.push_back(p.counts[i]);
      w.push_back(1 / std::max(p.sigma[i], 1e-9));
    }
  if (x.size() < 7) throw Error(p.source, "XRD", fmt::format("peak window {:.3f}-{:.3f} deg holds {} points; need 7", lo, hi, x.size()));
  const std::size_t im = static_cast<std::size_t>(std::max_element(y.begin(), y.end()) - y.begin());
  const double b0 = 0.5 * (y.front() + y.back());
  double half = 0;
  for (double v : y)
    if (v - b0 > 0.5 * (y[im] - b0)) half += 1;
  const double step = (x.back() - x.front()) / static_cast<double>(x.size() - 1);
  // Parameters: position, ln fwhm, ln area, eta (0-1), background at the centre, slope.
  double prm[6] = {x[im], std::log(std::max(half * step, 2 * step)), 0, 0.5, b0, (y.back() - y.front()) / (x.back() - x.front())};
  prm[2] = std::log(std::max((y[im] - b0) * std::exp(prm[1]) * 1.2, 1e-9));
  const double xc = 0.5 * (x.front() + x.back());
  // With a Ka2 line in the pattern each peak is a doublet: the Ka2 copy sits where Bragg's
  // law puts it for lambda2 and carries ka2_ratio of the Ka1 intensity; area is the total.
  const double l21 = p.ka1_Ang > 0 && p.ka2_Ang > 0 && p.ka2_ratio > 0 ? p.ka2_Ang / p.ka1_Ang : 0.0;
  const double ratio = l21 > 0 ? p.ka2_ratio : 0.0;
  struct Cost {
    const std::vector<double>&x, &y, &w;
    double xc, l21, ratio;
    bool operator()(const double* const* q, double* r) const {
      const double* v = q[0];
      const double f = std::exp(v[1]), a = std::exp(v[2]) / (1 + ratio);
      const double s2 = l21 * std::sin(v[0] * kDeg / 2);
      const double c2 = l21 > 0 && s2 < 1 ? 2 * std::asin(s2) / kDeg : 0.0;
      for (std::size_t i = 0; i < x.size(); ++i) {
        double m = a * pseudo_voigt(x[i] - v[0], f, v[3]);
        if (c2 > 0) m += a * ratio * pseudo_voigt(x[i] - c2, f, v[3]);
        r[i] = w[i] * (y[i] - (v[4] + v[5] * (x[i] - xc) + m));
        if (!std::isfinite(r[i])) return false;
      }
      return true;
    }
  };
  auto* cost = new ceres::DynamicNumericDiffCostFunction<Cost>(new Cost{x, y, w, xc, l21, ratio});
  cost->AddParameterBlock(6);
  cost->SetNumResiduals(static_cast<int>(x.size()));
  ceres::Problem pb;
  pb.AddResidualBlock(cost, nullptr, prm);
  pb.SetParameterLowerBound(prm, 0, x.front());
  pb.SetParameterUpperBound(prm, 0, x.back());
  pb.SetParameterLowerBound(prm, 3, 0.0);
  pb.SetParameterUpperBound(prm, 3, 1.0);
  // The width stays between a fifth of a step and the window (ln FWHM).
  pb.SetParameterLowerBound(prm, 1, std::log(step / 5));
  pb.SetParameterUpperBound(prm, 1, std::log(x.back() - x.front()));
  prm[1] = std::clamp(prm[1], std::log(step / 5), std::log(x.back() - x.front()));
  ceres::Solver::Options o;
  o.max_num_iterations = 200;
  o.logging_type = ceres::SILENT;
  ceres::Solver::Summary sum;
  ceres::Solve(o, &pb, &sum);
  PeakFit f;
  f.position_deg = prm[0];
  f.fwhm_deg = std::exp(prm[1]);
  f.area = std::exp(prm[2]);
  f.eta = prm[3];
  f.height = f.area / (1 + ratio) * pseudo_voigt(0, f.fwhm_deg, f.eta);
  f.background0 = prm[4] - prm[5] * xc;
  f.background_slope = prm[5];
  if (p.ka1_Ang > 0) f.d_Ang = p.ka1_Ang / (2 * std::sin(f.position_deg * kDeg / 2));
  // Errors from J^T J scaled by the reduced chi-square.
  const Eigen::MatrixXd cov = fit::parameter_covariance(pb);
  f.position_error_deg = std::sqrt(std::max(cov(0, 0), 0.0));
  f.fwhm_error_deg = f.fwhm_deg * std::sqrt(std::max(cov(1, 1), 0.0));
  f.area_error = f.area * std::sqrt(std::max(cov(2, 2), 0.0));
  return f;
}

std::vector<PeakFit> find_peaks(const Pattern& p, double min_sigma, double window, std::size_t max_peaks,
                                std::vector<std::string>* not_fitted) {
  const std::size_t n = p.counts.size();
  if (n < 10) throw Error(p.source, "XRD", "too few points to search for peaks");
  const double step = (p.two_theta_deg.back() - p.two_theta_deg.front()) / static_cast<double>(n - 1);
  // Light smoothing (5-point mean).
  std::vector<double> s(n);
  for (std::size_t i = 0; i < n; ++i) {
    double a = 0;
    int c = 0;
    for (std::size_t j = i >= 2 ? i - 2 : 0; j <= std::min(n - 1, i + 2); ++j) a += p.counts[j], ++c;
    s[i] = a / c;
  }
  // Candidates: maxima of the smoothed curve whose prominence beats the counting noise of a
  // 5-point mean (2 x min_sigma x sqrt(y / 5)), most prominent first.
  std::vector<LocalMaximum> cands;
  for (const auto& m : local_maxima(p.two_theta_deg, s, 0.0))
    if (m.prominence > min_sigma * std::sqrt(std::max(s[m.index], 1.0)) / std::sqrt(5.0) * 2) cands.push_back(m);
  std::sort(cands.begin(), cands.end(), [](const auto& a, const auto& b) { return a.prominence > b.prominence; });
  std::vector<PeakFit> out;
  for (const auto& c : cands) {
    if (out.size() >= max_peaks) break;
    const double x0 = p.two_theta_deg[c.index];
    bool near = false;
    for (const auto& f : out)
      if (std::fabs(f.position_deg - x0) < 3 * step) near = true;
    if (near) continue;
    // Window: where the smoothed curve falls to a quarter of the prominence, times 2.5.
    std::size_t a = c.index, b = c.index;
    while (a > 0 && s[a] > s[c.index] - 0.75 * c.prominence) --a;
    while (b + 1 < n && s[b] > s[c.index] - 0.75 * c.prominence) ++b;
    const double hw = window > 0 ? window / 2 : std::max(2.5 * (p.two_theta_deg[b] - p.two_theta_deg[a]), 8 * step);
    try {
      auto f = fit_peak(p, x0 - hw, x0 + hw);
      bool dup = false;
      for (const auto& g : out)
        if (std::fabs(g.position_deg - f.position_deg) < 0.5 * std::min(g.fwhm_deg, f.fwhm_deg)) dup = true;
      if (!dup && std::fabs(f.position_deg - x0) < hw) out.push_back(f);
    } catch (const Error& e) {
      if (not_fitted) not_fitted->push_back(fmt::format("candidate near {:.3f} deg not fitted: {}", x0, e.reason()));
    }
  }
  return out;
}

std::optional<std::string> peak_degeneracy(const PeakFit& k, const Pattern& p) {
  const double range = p.two_theta_deg.empty() ? 0 : p.two_theta_deg.back() - p.two_theta_deg.front();
  for (double x : {k.position_deg, k.fwhm_deg, k.area, k.position_error_deg, k.area_error})
    if (!std::isfinite(x)) return std::string("not finite numbers");
  if (!(k.area > 0)) return fmt::format("area {:.3g}: no peak", k.area);
  if (k.area_error > k.area) return fmt::format("area {:.3g} +- {:.3g}: the uncertainty exceeds the area", k.area, k.area_error);
  if (range > 0 && k.position_error_deg > range)
    return fmt::format("position uncertainty {:.3g} deg exceeds the pattern's {:.3g} deg", k.position_error_deg, range);
  if (range > 0 && k.fwhm_deg > 0.5 * range) return fmt::format("FWHM {:.3g} deg is more than half the pattern", k.fwhm_deg);
  if (!(k.fwhm_deg > 0)) return fmt::format("FWHM {:.3g} deg", k.fwhm_deg);
  const double step = p.two_theta_deg.size() > 1 ? range / static_cast<double>(p.two_theta_deg.size() - 1) : 0;
  if (step > 0 && k.fwhm_deg < 1.5 * step)
    return fmt::format("FWHM {:.3g} deg is under 1.5 steps of the pattern ({:.3g} deg): a fit through a single point", k.fwhm_deg, step);
  // The height against the counting noise of the background under it.
  const double background = k.background0 > 0 ? k.background0 : 0;
  if (k.height < 3 * std::sqrt(std::max(background, 1.0)))
    return fmt::format("height {:.3g} is under 3 sigma of the background's counting noise ({:.3g})", k.height,
                       std::sqrt(std::max(background, 1.0)));
  return std::nullopt;
}

double scherrer_size_nm(double tt, double fwhm, double lambda, double inst, double K) {
  const double b2 = fwhm * fwhm - inst * inst;
  if (!(b2 > 0)) throw Error(fmt::format("Scherrer: peak FWHM {:.4f} deg is not wider than the instrument's {:.4f}", fwhm, inst));
  const double beta = std::sqrt(b2) * kDeg;
  return K * lambda / (beta * std::cos(tt * kDeg / 2)) / 10;
}

Crystal cell_from_peaks(const Crystal& start, const std::vector<IndexedPeak>& peaks, double lambda) {
  const auto sys = cell_system(start);
  // Columns of 1/d^2 = sum_j c_j g_j(hkl) for the system.
  auto row = [&](int h, int k, int l) -> std::vector<double> {
    const double H = h, K = k, L = l;
    switch (sys) {
      case CellSystem::cubic:
        return {H * H + K * K + L * L};
      case CellSystem::tetragonal:
        return {H * H + K * K, L * L};
      case CellSystem::hexagonal:
        return {H * H + K * K + H * K, L * L};
      case CellSystem::orthorhombic:
        return {H * H, K * K, L * L};
      case CellSystem::monoclinic:
        return {H * H, K * K, L * L, 2 * H * L};
      case CellSystem::triclinic:
        return {H * H, K * K, L * L, 2 * H * K, 2 * H * L, 2 * K * L};
    }
    return {};
  };
  const std::size_t m = row(1, 0, 0).size();
  if (peaks.size() < m) throw Error(fmt::format("cell from peaks: {} peaks for {} unknowns", peaks.size(), m));
  Eigen::MatrixXd A(static_cast<Eigen::Index>(peaks.size()), static_cast<Eigen::Index>(m));
  Eigen::VectorXd b(static_cast<Eigen::Index>(peaks.size()));
  for (std::size_t i = 0; i < peaks.size(); ++i) {
    const auto r = row(peaks[i].h, peaks[i].k, peaks[i].l);
    for (std::size_t j = 0; j < m; ++j) A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = r[j];
    const double d = lambda / (2 * std::sin(peaks[i].two_theta_deg * kDeg / 2));
    b(static_cast<Eigen::Index>(i)) = 1 / (d * d);
  }
  const Eigen::VectorXd c = A.colPivHouseholderQr().solve(b);
  Eigen::Matrix3d G = Eigen::Matrix3d::Zero();  // reciprocal metric
  switch (sys) {
    case CellSystem::cubic:
      G.diagonal().setConstant(c(0));
      break;
    case CellSystem::tetragonal:
      G(0, 0) = G(1, 1) = c(0), G(2, 2) = c(1);
      break;
    case CellSystem::hexagonal:
      G(0, 0) = G(1, 1) = c(0), G(0, 1) = G(1, 0) = c(0) / 2, G(2, 2) = c(1);
      break;
    case CellSystem::orthorhombic:
      G(0, 0) = c(0), G(1, 1) = c(1), G(2, 2) = c(2);
      break;
    case CellSystem::monoclinic:
      G(0, 0) = c(0), G(1, 1) = c(1), G(2, 2) = c(2), G(0, 2) = G(2, 0) = c(3);
      break;
    case CellSystem::triclinic:
      G(0, 0) = c(0), G(1, 1) = c(1), G(2, 2) = c(2), G(0, 1) = G(1, 0) = c(3), G(0, 2) = G(2, 0) = c(4), G(1, 2) = G(2, 1) = c(5);
      break;
  }
  const Eigen::Matrix3d g = G.inverse();  // direct metric
  Crystal x = start;
  x.a = std::sqrt(g(0, 0)), x.b = std::sqrt(g(1, 1)), x.c = std::sqrt(g(2, 2));
  x.alpha = std::acos(g(1, 2) / (x.b * x.c)) / kDeg;
  x.beta = std::acos(g(0, 2) / (x.a * x.c)) / kDeg;
  x.gamma = std::acos(g(0, 1) / (x.a * x.b)) / kDeg;
  if (!std::isfinite(x.a) || !std::isfinite(x.c)) throw Error("cell from peaks: the indexed peaks do not give a cell (wrong indices?)");
  return x;
}

}  // namespace castor::xrd
