#include "castor/eis/drt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/detail/nnls.h"

namespace castor::eis {
namespace {
constexpr double kTwoPi = 6.283185307179586;

}  // namespace

DrtResult drt(const Spectrum& s, const DrtOptions& o) {
  const std::size_t N = s.size();
  if (N < 5) throw Error(fmt::format("{}: DRT needs at least 5 points, got {}", s.source, N));
  for (std::size_t i = 0; i < N; ++i)
    if (!(s.freq_Hz[i] > 0)) throw Error(fmt::format("{}: point {} has frequency {} Hz", s.source, i + 1, s.freq_Hz[i]));
  if (!(o.lambda >= 0)) throw Error("DRT: lambda must be >= 0");
  // Basis centres: y_m = ln(1 / (2 pi f_m)) of the data, sorted.
  std::vector<double> y;
  for (double f : s.freq_Hz) y.push_back(-std::log(kTwoPi * f));
  std::sort(y.begin(), y.end());
  y.erase(std::unique(y.begin(), y.end(), [](double a, double b) { return std::fabs(a - b) < 1e-12; }), y.end());
  const std::size_t M = y.size();
  const double dy = (y.back() - y.front()) / static_cast<double>(std::max<std::size_t>(M - 1, 1));
  // Gaussian phi(x) = exp(-(eps x)^2); FWHM = 2 sqrt(ln 2) / eps set to dy / shape_factor.
  const double eps = o.shape_factor * 2 * std::sqrt(std::log(2.0)) / dy;
  // Quadrature grid in y for the kernels and the penalty.
  const double ylo = y.front() - 6 / eps - 2 * dy, yhi = y.back() + 6 / eps + 2 * dy;
  const int nq = static_cast<int>(std::ceil((yhi - ylo) / (dy / 20))) + 1;
  const double hq = (yhi - ylo) / (nq - 1);
  Eigen::MatrixXd Phi(nq, static_cast<Eigen::Index>(M));
  for (int q = 0; q < nq; ++q)
    for (std::size_t m = 0; m < M; ++m) {
      const double x = eps * (ylo + q * hq - y[m]);
      Phi(q, static_cast<Eigen::Index>(m)) = std::exp(-x * x);
    }
  // Unknowns: R_inf, [L], x_1..x_M.
  const int off = o.fit_inductance ? 2 : 1;
  const Eigen::Index P = off + static_cast<Eigen::Index>(M);
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(2 * N), P);
  Eigen::VectorXd b(static_cast<Eigen::Index>(2 * N));
  const double zscale = [&] {
    double m = 0;
    for (const auto& z : s.z_ohm) m = std::max(m, std::abs(z));
    return m;
  }();
  for (std::size_t i = 0; i < N; ++i) {
    const double w = kTwoPi * s.freq_Hz[i];
    const auto r = static_cast<Eigen::Index>(2 * i), im = r + 1;
    A(r, 0) = 1;
    if (o.fit_inductance) A(im, 1) = w * 1e-6 * zscale;  // L in units of 1e-6 zscale s
    for (int q = 0; q < nq; ++q) {
      const double wt = w * std::exp(ylo + q * hq);
      const double kre = 1 / (1 + wt * wt), kim = -wt / (1 + wt * wt);
      const double wq = (q == 0 || q == nq - 1) ? 0.5 * hq : hq;
      for (std::size_t m = 0; m < M; ++m) {
        const double ph = Phi(q, static_cast<Eigen::Index>(m)) * wq;
        if (ph < 1e-300) continue;
        A(r, off + static_cast<Eigen::Index>(m)) += kre * ph;
        A(im, off + static_cast<Eigen::Index>(m)) += kim * ph;
      }
    }
    b(r) = s.z_ohm[i].real();
    b(im) = s.z_ohm[i].imag();
  }
  // Penalty: lambda |d gamma/dy|^2 integrated, as extra residual rows sqrt(lambda h) D Phi x.
  Eigen::MatrixXd D = Eigen::MatrixXd::Zero(nq - 1, P);
  for (int q = 0; q + 1 < nq; ++q) D.row(q).tail(static_cast<Eigen::Index>(M)) = (Phi.row(q + 1) - Phi.row(q)) / hq * std::sqrt(hq);
  const Eigen::Index rows = A.rows() + D.rows();
  Eigen::MatrixXd AA(rows, P);
  Eigen::VectorXd bb = Eigen::VectorXd::Zero(rows);
  AA << A / zscale, std::sqrt(o.lambda) * D / zscale;  // both in units of max |Z|
  bb.head(A.rows()) = b / zscale;

  // gamma >= 0 and R_inf >= 0; L may take either sign, so it enters as L+ - L-.
  Eigen::MatrixXd AN(rows, P + (o.fit_inductance ? 1 : 0));
  AN.leftCols(P) = AA;
  if (o.fit_inductance) AN.col(P) = -AA.col(1);
  const Eigen::VectorXd xn = nnls(AN, bb);
  std::vector<double> x(xn.data(), xn.data() + P);
  if (o.fit_inductance) x[1] -= xn(P);

  DrtResult r;
  r.r_inf_ohm = x[0];
  r.l_H = o.fit_inductance ? x[1] * 1e-6 * zscale : 0.0;
  // gamma on the output grid.
  const double g_lo = y.front() - std::log(10.0), g_hi = y.back() + std::log(10.0);
  const int ng = static_cast<int>(std::ceil((g_hi - g_lo) / std::log(10.0) * o.points_per_decade)) + 1;
  const double hg = (g_hi - g_lo) / (ng - 1);
  for (int k = 0; k < ng; ++k) {
    const double yy = g_lo + k * hg;
    double g = 0;
    for (std::size_t m = 0; m < M; ++m) {
      const double xx = eps * (yy - y[m]);
      g += x[static_cast<std::size_t>(off) + m] * std::exp(-xx * xx);
    }
    r.tau_s.push_back(std::exp(yy));
    r.gamma_ohm.push_back(g);
    r.r_polarisation_ohm += g * hg;
  }
  // Peaks and the resistance under each (between the neighbouring minima).
  for (int k = 1; k + 1 < ng; ++k) {
    const auto& g = r.gamma_ohm;
    const auto u = static_cast<std::size_t>(k);
    if (!(g[u] > g[u - 1] && g[u] >= g[u + 1]) || g[u] < 1e-3 * zscale * 1e-3) continue;
    std::size_t a = u, c = u;
    while (a > 0 && g[a - 1] <= g[a]) --a;
    while (c + 1 < g.size() && g[c + 1] <= g[c]) ++c;
    double area = 0;
    for (std::size_t j = a; j <= c; ++j) area += g[j] * hg;
    r.peaks.push_back({r.tau_s[u], g[u], area});
  }
  std::sort(r.peaks.begin(), r.peaks.end(), [](const auto& p, const auto& q) { return p.gamma_ohm > q.gamma_ohm; });
  const Eigen::VectorXd fit = A * Eigen::Map<const Eigen::VectorXd>(x.data(), P);
  double ss = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const std::complex<double> z(fit(static_cast<Eigen::Index>(2 * i)), fit(static_cast<Eigen::Index>(2 * i + 1)));
    r.z_fit.push_back(z);
    ss += std::norm(s.z_ohm[i] - z) / std::norm(s.z_ohm[i]);
  }
  r.residual_rms_rel = std::sqrt(ss / static_cast<double>(N));
  for (std::size_t k = 1; k < r.gamma_ohm.size(); ++k) {
    const double d = r.gamma_ohm[k] - r.gamma_ohm[k - 1];
    r.roughness += d * d / hg;
  }
  // The window the data can see, and what lies outside it.
  double f_lo = std::numeric_limits<double>::infinity(), f_hi = 0;
  for (double f : s.freq_Hz) f_lo = std::min(f_lo, f), f_hi = std::max(f_hi, f);
  const double tau_lo = 1 / (2 * std::numbers::pi * f_hi), tau_hi = 1 / (2 * std::numbers::pi * f_lo);
  // A peak within a quarter decade of the window's ends sits on the first or last measured
  // frequency: the data do not show its other side.
  for (const auto& p : r.peaks)
    if (p.tau_s < 1.78 * tau_lo || p.tau_s > tau_hi / 1.78)
      r.warnings.push_back(
          fmt::format("peak at tau {:.3g} s lies at or beyond the edge of the measured window ({:.3g}-{:.3g} s): "
                      "its tau and R are not determined by the data",
                      p.tau_s, tau_lo, tau_hi));
  double g_max = 0;
  for (double g : r.gamma_ohm) g_max = std::max(g_max, g);
  if (g_max > 0 && !r.gamma_ohm.empty()) {
    if (r.gamma_ohm.front() > 0.1 * g_max)
      r.warnings.push_back(
          fmt::format("gamma is {:.0f} % of its maximum at the short-tau end of the grid: a process faster than "
                      "the highest frequency is cut off",
                      100 * r.gamma_ohm.front() / g_max));
    if (r.gamma_ohm.back() > 0.1 * g_max)
      r.warnings.push_back(
          fmt::format("gamma is {:.0f} % of its maximum at the long-tau end of the grid: an arc the spectrum does "
                      "not close (a diffusion tail or a capacitive end); R_pol is not determined",
                      100 * r.gamma_ohm.back() / g_max));
  }
  if (r.residual_rms_rel > 0.05)
    r.warnings.push_back(
        fmt::format("the DRT reproduces the data poorly (rms {:.1f} % of |Z|): the peaks are not reliable (check "
                    "Kramers-Kronig, or a series capacitance at low frequency)",
                    100 * r.residual_rms_rel));
  return r;
}

LambdaChoice choose_lambda(const Spectrum& s, DrtOptions o) {
  LambdaChoice c;
  for (double e = -6; e <= 0 + 1e-9; e += 0.5) {
    o.lambda = std::pow(10.0, e);
    const auto r = drt(s, o);
    c.lambdas.push_back(o.lambda);
    c.residual.push_back(std::max(r.residual_rms_rel, 1e-300));
    c.roughness.push_back(std::max(r.roughness, 1e-300));
  }
  // Menger curvature of consecutive points of (log residual, log roughness).
  double best = -std::numeric_limits<double>::infinity();
  c.lambda = c.lambdas[c.lambdas.size() / 2];
  for (std::size_t k = 1; k + 1 < c.lambdas.size(); ++k) {
    const double x0 = std::log(c.residual[k - 1]), y0 = std::log(c.roughness[k - 1]);
    const double x1 = std::log(c.residual[k]), y1 = std::log(c.roughness[k]);
    const double x2 = std::log(c.residual[k + 1]), y2 = std::log(c.roughness[k + 1]);
    const double a = std::hypot(x1 - x0, y1 - y0), b = std::hypot(x2 - x1, y2 - y1), d = std::hypot(x2 - x0, y2 - y0);
    if (!(a > 0 && b > 0 && d > 0)) continue;
    // Signed: the corner of an L bends towards the origin.
    const double cross = (x1 - x0) * (y2 - y1) - (y1 - y0) * (x2 - x1);
    const double kappa = 2 * cross / (a * b * d);
    if (kappa > best) best = kappa, c.lambda = c.lambdas[k];
  }
  return c;
}

}  // namespace castor::eis
