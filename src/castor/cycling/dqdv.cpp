#include "castor/cycling/dqdv.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/core/peaks.h"
#include "castor/cycling/capacity.h"

namespace castor::cycling {
namespace {

// Q on a uniform grid of the (increasing) traversal voltage u: the charge passed between
// two samples is spread evenly over the voltages between them, so a voltage that dips
// and recovers (a nucleation overpotential) or noise puts its charge where the voltage
// was, and Q(u_k) is the charge passed at voltages below u_k. For a monotone curve this is
// Q interpolated at the crossing of u_k.
constexpr double kMaxGridPoints = 2e6;

void grid_capacity(const std::vector<double>& u, const std::vector<double>& q, double h, std::vector<double>& grid_u,
                   std::vector<double>& grid_q) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double x : u)
    if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (!(hi > lo)) return;
  const double u0 = std::floor(lo / h) * h;
  // Bounded before anything is allocated: a corrupted voltage (1e300 V) or a tiny step
  // (--grid-mV 1e-9) must be an error, not an impossible vector.
  const double bins_wanted = std::ceil((hi - u0) / h - 1e-9);
  if (!(bins_wanted <= kMaxGridPoints))
    throw Error(
        fmt::format("dQ/dV: the voltage spans {:.4g} V, which needs {:.3g} grid points of {:g} mV (at most {:.0f}); "
                    "use a coarser --grid-mV or check the voltage column",
                    hi - lo, bins_wanted, h * 1e3, kMaxGridPoints));
  const auto nbins = static_cast<std::size_t>(bins_wanted);
  std::vector<double> bins(std::max<std::size_t>(nbins, 1), 0.0);
  auto bin_of = [&](double x) {
    const double b = std::floor((x - u0) / h);
    return static_cast<std::size_t>(std::clamp(b, 0.0, static_cast<double>(bins.size() - 1)));
  };
  for (std::size_t i = 1; i < u.size(); ++i) {
    const double dq = q[i] - q[i - 1];
    if (!std::isfinite(u[i]) || !std::isfinite(u[i - 1]) || !(dq != 0)) continue;
    const double a = std::min(u[i], u[i - 1]), b = std::max(u[i], u[i - 1]);
    const std::size_t ba = bin_of(a), bb = bin_of(b);
    if (ba == bb || b - a < 1e-15) {
      bins[bin_of(0.5 * (a + b))] += dq;
      continue;
    }
    for (std::size_t k = ba; k <= bb; ++k) {
      const double left = std::max(a, u0 + h * static_cast<double>(k));
      const double right = std::min(b, u0 + h * static_cast<double>(k + 1));
      if (right > left) bins[k] += dq * (right - left) / (b - a);
    }
  }
  grid_u.resize(bins.size() + 1);
  grid_q.resize(bins.size() + 1);
  grid_u[0] = u0;
  grid_q[0] = 0;
  for (std::size_t k = 0; k < bins.size(); ++k) {
    grid_u[k + 1] = u0 + h * static_cast<double>(k + 1);
    grid_q[k + 1] = grid_q[k] + bins[k];
  }
}

// Savitzky-Golay: smoothed value and first derivative (per grid step) at every point,
// with asymmetric windows at the ends.
void savitzky_golay(const std::vector<double>& y, int half, int order, std::vector<double>& smooth, std::vector<double>& deriv) {
  const int n = static_cast<int>(y.size());
  const int m = 2 * half + 1;
  smooth.assign(y.size(), 0);
  deriv.assign(y.size(), 0);
  // Fit a polynomial in offset u over window [a, a+m) and evaluate at u0.
  auto fit_rows = [&](int a, int center) {
    Eigen::MatrixXd A(m, order + 1);
    for (int r = 0; r < m; ++r) {
      const double u = static_cast<double>(a + r - center);
      double p = 1;
      for (int c = 0; c <= order; ++c) A(r, c) = p, p *= u;
    }
    // Rows 0 and 1 of the pseudo-inverse give value and slope at u = 0.
    return Eigen::MatrixXd(A.colPivHouseholderQr().solve(Eigen::MatrixXd::Identity(m, m)));
  };
  const Eigen::MatrixXd centre = fit_rows(0, half);
  for (int i = 0; i < n; ++i) {
    int a = i - half;
    const Eigen::MatrixXd* P = &centre;
    Eigen::MatrixXd edge;
    if (a < 0 || a + m > n) {
      a = std::clamp(a, 0, n - m);
      edge = fit_rows(a, i);
      P = &edge;
    }
    double s = 0, d = 0;
    for (int r = 0; r < m; ++r) {
      s += (*P)(0, r) * y[static_cast<std::size_t>(a + r)];
      d += (*P)(1, r) * y[static_cast<std::size_t>(a + r)];
    }
    smooth[static_cast<std::size_t>(i)] = s;
    deriv[static_cast<std::size_t>(i)] = d;
  }
}

// Cubic smoothing spline on a uniform grid (Reinsch): minimise
// sum (y - f)^2 + lambda * integral f''^2; returns f and f' at the knots.
void smoothing_spline(const std::vector<double>& y, double h, double lambda, std::vector<double>& f, std::vector<double>& fp) {
  const int n = static_cast<int>(y.size());
  const int k = n - 2;
  using Sp = Eigen::SparseMatrix<double>;
  Sp Q(n, k), R(k, k);
  std::vector<Eigen::Triplet<double>> tq, tr;
  for (int j = 0; j < k; ++j) {
    tq.emplace_back(j, j, 1 / h);
    tq.emplace_back(j + 1, j, -2 / h);
    tq.emplace_back(j + 2, j, 1 / h);
    tr.emplace_back(j, j, 2 * h / 3);
    if (j + 1 < k) {
      tr.emplace_back(j, j + 1, h / 6);
      tr.emplace_back(j + 1, j, h / 6);
    }
  }
  Q.setFromTriplets(tq.begin(), tq.end());
  R.setFromTriplets(tr.begin(), tr.end());
  const Eigen::Map<const Eigen::VectorXd> Y(y.data(), n);
  Sp A = R + lambda * Sp(Q.transpose() * Q);
  Eigen::SimplicialLDLT<Sp> solver(A);
  if (solver.info() != Eigen::Success) throw Error("smoothing spline: factorisation failed");
  const Eigen::VectorXd gamma_inner = solver.solve(Q.transpose() * Y);
  const Eigen::VectorXd F = Y - lambda * (Q * gamma_inner);
  std::vector<double> gamma(static_cast<std::size_t>(n), 0.0);
  for (int j = 0; j < k; ++j) gamma[static_cast<std::size_t>(j + 1)] = gamma_inner(j);
  f.assign(F.data(), F.data() + n);
  fp.assign(static_cast<std::size_t>(n), 0);
  for (int i = 0; i + 1 < n; ++i) {
    const auto u = static_cast<std::size_t>(i);
    fp[u] = (f[u + 1] - f[u]) / h - h * (2 * gamma[u] + gamma[u + 1]) / 6;
  }
  const auto l = static_cast<std::size_t>(n - 1);
  fp[l] = (f[l] - f[l - 1]) / h + h * (gamma[l - 1] + 2 * gamma[l]) / 6;
}

}  // namespace

std::string_view to_string(Smoothing s) {
  switch (s) {
    case Smoothing::none:
      return "none";
    case Smoothing::savitzky_golay:
      return "savitzky-golay";
    case Smoothing::smoothing_spline:
      return "smoothing-spline";
  }
  return "none";
}

std::optional<Smoothing> smoothing_from_string(std::string_view name) {
  for (Smoothing s : {Smoothing::none, Smoothing::savitzky_golay, Smoothing::smoothing_spline})
    if (to_string(s) == name) return s;
  if (name == "savgol" || name == "sg") return Smoothing::savitzky_golay;
  if (name == "spline") return Smoothing::smoothing_spline;
  return std::nullopt;
}

std::vector<DqdvPeak> find_peaks(const std::vector<double>& x, const std::vector<double>& y, double min_prominence) {
  std::vector<DqdvPeak> peaks;
  for (const auto& m : local_maxima(x, y, min_prominence)) peaks.push_back({m.x, m.height, m.prominence});
  return peaks;
}

DqdvCurve dqdv_of_curve(const std::vector<double>& voltage, const std::vector<double>& capacity, Direction direction, const DqdvOptions& o,
                        std::string capacity_unit) {
  if (direction == Direction::none) throw Error("dQ/dV needs a charge or a discharge step, not a rest");
  if (!(o.grid_step_V > 0)) throw Error(fmt::format("dQ/dV grid step must be positive, got {} V", o.grid_step_V));
  if (voltage.size() < 5) throw Error(fmt::format("dQ/dV: step has {} points, too few", voltage.size()));
  const double sgn = sign(direction);
  // Work in "traversal voltage" (V for a charge, -V for a discharge), which increases.
  std::vector<double> u(voltage.size());
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = sgn * voltage[i];
  std::vector<double> gu, gq;
  grid_capacity(u, capacity, o.grid_step_V, gu, gq);
  const double h = o.grid_step_V;
  DqdvCurve c;
  c.direction = direction;
  c.capacity_unit = std::move(capacity_unit);
  const int half = static_cast<int>(std::lround(0.5 * o.window_V / h));
  const std::size_t need = o.smoothing == Smoothing::none ? 3 : static_cast<std::size_t>(2 * half + 2);
  if (gu.size() < std::max<std::size_t>(need, 3))
    throw Error(
        fmt::format("dQ/dV: the step spans {:.4g} V, {} grid points of {:g} mV; the {} window "
                    "needs at least {}",
                    gu.empty() ? 0.0 : gu.back() - gu.front(), gu.size(), h * 1e3, to_string(o.smoothing), need));
  std::vector<double> smooth, deriv;
  switch (o.smoothing) {
    case Smoothing::none: {
      smooth = gq;
      deriv.resize(gq.size());
      for (std::size_t i = 0; i < gq.size(); ++i) {
        const std::size_t a = i == 0 ? 0 : i - 1, b = std::min(i + 1, gq.size() - 1);
        deriv[i] = (gq[b] - gq[a]) / (static_cast<double>(b - a) * h);
      }
      c.method = fmt::format("finite differences, grid {:g} mV", h * 1e3);
      break;
    }
    case Smoothing::savitzky_golay: {
      if (o.polyorder < 1 || o.polyorder >= 2 * half + 1)
        throw Error(fmt::format("Savitzky-Golay order {} needs a window of more than {} points (window {} V)", o.polyorder, o.polyorder,
                                o.window_V));
      savitzky_golay(gq, half, o.polyorder, smooth, deriv);
      for (double& d : deriv) d /= h;
      c.method = fmt::format("savitzky-golay window {:g} mV ({} points) order {}, grid {:g} mV", (2 * half + 1) * h * 1e3, 2 * half + 1,
                             o.polyorder, h * 1e3);
      break;
    }
    case Smoothing::smoothing_spline: {
      // A smoothing spline's equivalent kernel has bandwidth (lambda h)^(1/4) for points
      // spaced h: choose lambda so that the bandwidth is window_V / 2.
      const double b = 0.5 * o.window_V;
      const double lambda = b * b * b * b / h;
      smoothing_spline(gq, h, lambda, smooth, deriv);
      c.method = fmt::format("smoothing-spline bandwidth {:g} mV (lambda {:.3g} V^3), grid {:g} mV", b * 1e3, lambda, h * 1e3);
      break;
    }
  }
  // Back to ascending true voltage.
  const std::size_t n = gu.size();
  c.voltage_V.resize(n);
  c.capacity.resize(n);
  c.dqdv.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = direction == Direction::charge ? i : n - 1 - i;
    c.voltage_V[i] = sgn * gu[k];
    c.capacity[i] = smooth[k];
    c.dqdv[i] = sgn * deriv[k];  // dQ/dV = dQ/du * du/dV
  }
  std::vector<double> mag(n);
  double top = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mag[i] = sgn * c.dqdv[i];
    top = std::max(top, mag[i]);
  }
  c.peaks = find_peaks(c.voltage_V, mag, o.min_prominence_fraction * top);
  return c;
}

DqdvCurve dqdv_of_step(const Table& t, const Step& s, const DqdvOptions& o, std::optional<double> mass_g, std::string_view voltage_column) {
  const Direction d = direction(s.kind);
  if (d == Direction::none)
    throw Error(t.meta.source_file, t.meta.format,
                fmt::format("dQ/dV: step {} is {}, not a charge or discharge", s.index, to_string(s.kind)));
  auto q = running_capacity_mAh(t, s);
  std::string unit = "mAh";
  if (mass_g) {
    for (double& x : q) x /= *mass_g;
    unit = "mAh/g";
  }
  const auto& v = t.values(voltage_column);
  std::vector<double> vs(v.begin() + static_cast<std::ptrdiff_t>(s.begin), v.begin() + static_cast<std::ptrdiff_t>(s.end));
  try {
    return dqdv_of_curve(vs, q, d, o, unit);
  } catch (const Error& e) {
    throw Error(t.meta.source_file, t.meta.format, fmt::format("step {}: {}", s.index, e.what()));
  }
}

}  // namespace castor::cycling
