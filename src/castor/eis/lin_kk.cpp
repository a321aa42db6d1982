#include "castor/eis/lin_kk.h"

#include <algorithm>
#include <cmath>

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
      const Eigen::MatrixXd lhs = Are.transpose() * Are + Aim.transpose() * Aim;
      const Eigen::VectorXd rhs = Are.transpose() * bre + Aim.transpose() * bim;
      x = lhs.completeOrthogonalDecomposition().solve(rhs);
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
    case KkFit::real: return "real";
    case KkFit::imag: return "imag";
    case KkFit::complex: return "complex";
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
      throw Error(fmt::format("{}: point {} has f = {} Hz, |Z| = {}: Lin-KK needs f > 0 and Z != 0", s.source, i + 1,
                              s.freq_Hz[i], std::abs(s.z_ohm[i])));
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
  return r;
}

}  // namespace castor::eis
