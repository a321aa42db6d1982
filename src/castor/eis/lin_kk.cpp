#include "castor/eis/lin_kk.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::eis {
namespace {
constexpr double kTwoPi = 6.283185307179586;

std::vector<double> time_constants(const Spectrum& s, int M) {
  const auto [fmin, fmax] = std::minmax_element(s.freq_Hz.begin(), s.freq_Hz.end());
  const double tmin = 1 / (kTwoPi * *fmax), tmax = 1 / (kTwoPi * *fmin);
  std::vector<double> t(static_cast<std::size_t>(M));
  if (M == 1) {
    t[0] = tmax;  // as impedance.py: the one element takes the slowest time constant
    return t;
  }
  for (int k = 0; k < M; ++k) t[static_cast<std::size_t>(k)] = tmin * std::pow(tmax / tmin, static_cast<double>(k) / (M - 1));
  return t;
}

double mu_of(const std::vector<double>& r) {
  double neg = 0, pos = 0;
  for (double x : r) (x < 0 ? neg : pos) += std::fabs(x);
  return pos > 0 ? 1 - neg / pos : -std::numeric_limits<double>::infinity();
}

LinKKResult fit_M(const Spectrum& s, int M, const LinKKOptions& o) {
  const std::size_t N = s.size();
  const auto tau = time_constants(s, M);
  const bool cap = o.add_capacitance;
  // Columns: R0 | R_1..R_M | (1/C) | L ; rows scaled by 1/|Z|.
  const int ncol = M + 2 + (cap ? 1 : 0);
  const int col_c = cap ? M + 1 : -1, col_l = ncol - 1;
  Eigen::MatrixXd Are = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(N), ncol);
  Eigen::MatrixXd Aim = Are;
  Eigen::VectorXd bre(static_cast<Eigen::Index>(N)), bim(static_cast<Eigen::Index>(N));
  for (std::size_t i = 0; i < N; ++i) {
    const auto n = static_cast<Eigen::Index>(i);
    const double w = kTwoPi * s.freq_Hz[i], a = std::abs(s.z_ohm[i]);
    Are(n, 0) = 1 / a;
    for (int k = 0; k < M; ++k) {
      const double wt = w * tau[static_cast<std::size_t>(k)];
      Are(n, k + 1) = 1 / (1 + wt * wt) / a;
      Aim(n, k + 1) = -wt / (1 + wt * wt) / a;
    }
    if (cap) Aim(n, col_c) = -1 / (w * a);
    Aim(n, col_l) = w / a;
    bre(n) = s.z_ohm[i].real() / a;
    bim(n) = s.z_ohm[i].imag() / a;
  }
  Eigen::VectorXd x = Eigen::VectorXd::Zero(ncol);
  switch (o.fit) {
    case KkFit::real: {
      // Resistances from the real part; then L (and 1/C) from what the RC elements leave
      // of the imaginary part.
      const Eigen::MatrixXd A = Are.leftCols(M + 1);
      x.head(M + 1) = A.completeOrthogonalDecomposition().solve(bre);
      Eigen::MatrixXd B(static_cast<Eigen::Index>(N), cap ? 2 : 1);
      if (cap) B.col(0) = Aim.col(col_c);
      B.col(B.cols() - 1) = Aim.col(col_l);
      const Eigen::VectorXd rest = bim - Aim.leftCols(M + 1) * x.head(M + 1);
      const Eigen::VectorXd y = B.completeOrthogonalDecomposition().solve(rest);
      if (cap) x(col_c) = y(0);
      x(col_l) = y(y.size() - 1);
      break;
    }
    case KkFit::imag: {
      x = Aim.completeOrthogonalDecomposition().solve(bim);
      // R0 from the real part, weighted by 1/|Z|^2 (Boukamp 1995, eq. 7).
      double num = 0, den = 0;
      for (std::size_t i = 0; i < N; ++i) {
        const auto n = static_cast<Eigen::Index>(i);
        const double a = std::abs(s.z_ohm[i]);
        double zre = 0;
        for (int k = 0; k < M; ++k) zre += Are(n, k + 1) * a * x(k + 1);
        const double wgt = 1 / (a * a);
        num += wgt * (s.z_ohm[i].real() - zre);
        den += wgt;
      }
      x(0) = num / den;
      break;
    }
    case KkFit::complex: {
      // Both parts stacked, solved by QR (not the normal equations: with many close time
      // constants they square an already large condition number and lose the fit).
      Eigen::MatrixXd A(2 * static_cast<Eigen::Index>(N), ncol);
      A << Are, Aim;
      Eigen::VectorXd b(2 * static_cast<Eigen::Index>(N));
      b << bre, bim;
      x = A.colPivHouseholderQr().solve(b);
      break;
    }
  }
  LinKKResult r;
  r.M = M;
  r.tau_s = tau;
  r.r0_ohm = x(0);
  for (int k = 0; k < M; ++k) r.r_ohm.push_back(x(k + 1));
  r.l_H = x(col_l);
  if (cap) r.c_F = 1 / x(col_c);
  r.mu = mu_of(r.r_ohm);
  for (std::size_t i = 0; i < N; ++i) {
    const double w = kTwoPi * s.freq_Hz[i];
    std::complex<double> z = r.r0_ohm + std::complex<double>(0, w * r.l_H);
    for (int k = 0; k < M; ++k) z += r.r_ohm[static_cast<std::size_t>(k)] / std::complex<double>(1, w * tau[static_cast<std::size_t>(k)]);
    if (cap) z += std::complex<double>(0, -x(col_c) / w);
    r.z_fit.push_back(z);
    const auto d = (s.z_ohm[i] - z) / std::abs(s.z_ohm[i]);
    r.residual_re.push_back(d.real());
    r.residual_im.push_back(d.imag());
    r.max_abs_residual = std::max({r.max_abs_residual, std::fabs(d.real()), std::fabs(d.imag())});
  }
  return r;
}
}  // namespace

std::string_view to_string(KkFit f) {
  switch (f) {
    case KkFit::real:
      return "real";
    case KkFit::imag:
      return "imag";
    case KkFit::complex:
      return "complex";
  }
  return "real";
}

std::optional<KkFit> kk_fit_from_string(std::string_view s) {
  for (auto f : {KkFit::real, KkFit::imag, KkFit::complex})
    if (to_string(f) == s) return f;
  return std::nullopt;
}

LinKKResult lin_kk(const Spectrum& s, const LinKKOptions& o) {
  if (s.size() < 3) throw Error(fmt::format("{}: Lin-KK needs at least 3 points, got {}", s.source, s.size()));
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!(s.freq_Hz[i] > 0) || !(std::abs(s.z_ohm[i]) > 0))
      throw Error(fmt::format("{}: point {} has f = {} Hz, |Z| = {}: Lin-KK needs f > 0 and Z != 0", s.source, i + 1, s.freq_Hz[i],
                              std::abs(s.z_ohm[i])));
  if (o.fixed_M) {
    if (*o.fixed_M < 1) throw Error("Lin-KK: M must be at least 1");
    return fit_M(s, *o.fixed_M, o);
  }
  if (o.max_M < 1) throw Error("Lin-KK: max_M must be at least 1");
  LinKKResult r;
  for (int M = 1; M <= o.max_M; ++M) {
    r = fit_M(s, M, o);
    if (r.mu <= o.mu_cutoff) break;
  }
  r.mu_M = r.M;
  if (o.choose_M == LinKKOptions::MChoice::mu) return r;
  // Every M up to max_M (at most 2N/3 elements for N points) while mu stays above 0.5; the
  // smallest within 10 % of the best largest residual.
  const int top = std::min(o.max_M, std::max(1, static_cast<int>(2 * s.size() / 3)));
  std::vector<LinKKResult> all;
  double best = std::numeric_limits<double>::infinity();
  for (int M = 1; M <= top; ++M) {
    auto a = fit_M(s, M, o);
    // Past mu = 0.5 negative resistances weigh half the positive ones: the model fits noise
    // (Schoenleber's over-fitting sign); those M are not candidates.
    if (a.mu < 0.5 && M > r.M) continue;
    all.push_back(std::move(a));
    best = std::min(best, all.back().max_abs_residual);
  }
  const int mu_M = r.M;
  for (auto& a : all)
    if (a.max_abs_residual <= 1.1 * best) {
      a.mu_M = mu_M;
      return a;
    }
  return r;
}

bool low_frequency_capacitive(const Spectrum& s) {
  if (s.size() < 3) return false;
  // The three lowest frequencies, lowest first.
  std::vector<std::size_t> idx(s.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return s.freq_Hz[a] < s.freq_Hz[b]; });
  const auto z0 = s.z_ohm[idx[0]], z1 = s.z_ohm[idx[1]], z2 = s.z_ohm[idx[2]];
  const double phase_deg = std::atan2(z0.imag(), z0.real()) * 180 / std::numbers::pi;
  return phase_deg < -20 && -z0.imag() > -z1.imag() && -z1.imag() > -z2.imag();
}

bool KkVerdict::depends_on_setting() const {
  for (const auto& o : others)
    if (o.passes() != chosen.passes()) return true;
  return false;
}

std::string KkVerdict::text() const {
  auto name = [](const KkSetting& k) { return fmt::format("{} fit{}", to_string(k.fit), k.add_capacitance ? " with a series C" : ""); };
  std::string t = fmt::format(
      "{} (M = {}, the smallest within 10 % of the best residual; mu = {:.3f}; the mu criterion "
      "alone gives M = {}): largest residual {:.3f} % of |Z|: {}",
      name(chosen), chosen.result.M, chosen.result.mu, chosen.result.mu_M, 100 * chosen.result.max_abs_residual,
      chosen.passes() ? "consistent with Kramers-Kronig (all residuals within 1 %)"
                      : "some points deviate by more than 1 %: check drift, nonlinearity or noise");
  t += ". Other settings:";
  for (std::size_t k = 0; k < others.size(); ++k)
    t += fmt::format("{} {} {:.3f} % ({})", k ? ";" : "", name(others[k]), 100 * others[k].result.max_abs_residual,
                     others[k].passes() ? "passes" : "fails");
  if (depends_on_setting()) t += ". The verdict depends on the setting: treat it with care";
  return t;
}

KkVerdict kk_verdict(const Spectrum& s, double mu_cutoff, int max_M) {
  KkVerdict v;
  auto run = [&](KkFit fit, bool cap) {
    LinKKOptions o;
    o.mu_cutoff = mu_cutoff;
    o.max_M = max_M;
    o.fit = fit;
    o.add_capacitance = cap;
    o.choose_M = fit == KkFit::complex ? LinKKOptions::MChoice::residual : LinKKOptions::MChoice::mu;
    return KkSetting{fit, cap, lin_kk(s, o)};
  };
  const bool cap = low_frequency_capacitive(s);
  v.chosen = run(KkFit::complex, cap);
  v.others.push_back(run(KkFit::complex, !cap));
  v.others.push_back(run(KkFit::real, false));
  return v;
}

}  // namespace castor::eis
