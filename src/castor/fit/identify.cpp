#include "castor/fit/identify.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <random>
#include <thread>

#include <Eigen/Dense>
#include <ceres/ceres.h>
#include <fmt/format.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/parse_number.h"
#include "castor/sim/simulate.h"

namespace castor::fit {

FitParameter parse_fit_parameter(const std::string& text) {
  FitParameter f;
  const auto eq = text.find('=');
  f.path = text.substr(0, eq);
  if (f.path.empty()) throw Error(fmt::format("--fit '{}': no parameter path before '='", text));
  if (eq == std::string::npos) return f;
  std::string rest = text.substr(eq + 1);
  const auto at = rest.find('@');
  if (at != std::string::npos) {
    f.start = parse_number(rest.substr(at + 1), fmt::format("--fit '{}': start value", text));
    rest = rest.substr(0, at);
  }
  const auto colon = rest.find(':');
  if (colon == std::string::npos) throw Error(fmt::format("--fit '{}': write bounds as PATH=LO:HI (or PATH=LO:HI@START)", text));
  f.lower = parse_number(rest.substr(0, colon), fmt::format("--fit '{}': lower bound", text));
  f.upper = parse_number(rest.substr(colon + 1), fmt::format("--fit '{}': upper bound", text));
  if (!(*f.lower < *f.upper)) throw Error(fmt::format("--fit '{}': the lower bound must be below the upper", text));
  return f;
}

namespace {

// Cubic Hermite interpolation of (x, y) at x0, x ascending, slopes from the neighbouring
// secants (linear next to repeated times and at the ends); beyond the ends, the end values.
// The simulator's adaptive rows are sparse where the solution is smooth: linear
// interpolation between them left errors of 1e-3 of a sweep's current.
double interpolate(const double* x, const double* y, std::size_t n, double x0) {
  if (n == 0) return NAN;
  if (x0 <= x[0]) return y[0];
  if (x0 >= x[n - 1]) return y[n - 1];
  const auto* it = std::upper_bound(x, x + n, x0);
  const std::size_t k = static_cast<std::size_t>(it - x);  // x[k-1] <= x0 < x[k]
  const double h = x[k] - x[k - 1];
  if (!(h > 0)) return y[k];
  const double secant = (y[k] - y[k - 1]) / h;
  auto slope = [&](std::size_t i) {  // at x[i], from the secants on both sides
    if (i == 0 || i + 1 >= n) return secant;
    const double hl = x[i] - x[i - 1], hr = x[i + 1] - x[i];
    if (!(hl > 0) || !(hr > 0)) return secant;
    const double sl = (y[i] - y[i - 1]) / hl, sr = (y[i + 1] - y[i]) / hr;
    return (hr * sl + hl * sr) / (hl + hr);
  };
  const double m0 = slope(k - 1), m1 = slope(k);
  const double s = (x0 - x[k - 1]) / h, s2 = s * s, s3 = s2 * s;
  return (2 * s3 - 3 * s2 + 1) * y[k - 1] + (s3 - 2 * s2 + s) * h * m0 + (-2 * s3 + 3 * s2) * y[k] + (s3 - s2) * h * m1;
}

}  // namespace

std::vector<double> weighted_residuals(const sim::CellParameters& prm, const MeasuredExperiment& x, double rtol) {
  sim::SimulationOptions so;
  so.rtol = rtol;
  const auto r = sim::simulate(prm, x.protocol, so);
  std::vector<double> out;
  out.reserve(x.points());
  if (!x.time_s.empty()) {
    const auto& T = r.table.values(col::time_s);
    const auto& S = r.table.values(col::step);
    const auto& V = r.table.values(x.voltage == VoltageKind::cell ? std::string_view("cell_voltage_V") : col::voltage_V);
    const auto& I = r.table.values(col::current_A);
    // Rows of each protocol step in the simulation, with the time since the step began.
    const std::size_t steps = x.protocol.size();
    std::vector<std::size_t> first(steps + 1, T.size()), last(steps + 1, 0);
    for (std::size_t k = 0; k < T.size(); ++k) {
      const auto s = static_cast<std::size_t>(S[k]) - 1;
      if (s < steps) first[s] = std::min(first[s], k), last[s] = std::max(last[s], k + 1);
    }
    std::vector<double> tau;
    // The measured step starts.
    std::vector<double> start(steps, NAN);
    for (std::size_t k = 0; k < x.time_s.size(); ++k)
      if (std::isnan(start[x.step[k]])) start[x.step[k]] = x.time_s[k];
    std::size_t cached = steps;
    for (std::size_t k = 0; k < x.time_s.size(); ++k) {
      const std::size_t s = x.step[k];
      if (first[s] >= last[s])
        throw Error(x.source, "identify", fmt::format("the simulation has no rows for step '{}'", x.protocol[s].text));
      if (s != cached) {
        tau.assign(T.begin() + static_cast<std::ptrdiff_t>(first[s]), T.begin() + static_cast<std::ptrdiff_t>(last[s]));
        const double t0 = tau.front();
        for (double& v : tau) v -= t0;
        cached = s;
      }
      const double local = x.time_s[k] - start[s];
      const double* y = x.is_current[k] ? I.data() + first[s] : V.data() + first[s];
      const double model = interpolate(tau.data(), y, tau.size(), local);
      out.push_back((model - x.value[k]) / (x.is_current[k] ? x.noise_A : x.noise_V));
    }
  }
  if (!x.freq_Hz.empty()) {
    if (r.spectra.empty()) throw Error(x.source, "identify", "the simulation returned no spectrum");
    const auto& z = r.spectra.back().z_ohm;
    if (z.size() != x.z_ohm.size()) throw Error(x.source, "identify", "the simulated spectrum has other frequencies than the measured");
    for (std::size_t k = 0; k < z.size(); ++k) {
      const double w = 1 / (x.noise_relative_z * std::abs(x.z_ohm[k]));
      out.push_back((z[k].real() - x.z_ohm[k].real()) * w);
      out.push_back((z[k].imag() - x.z_ohm[k].imag()) * w);
    }
  }
  return out;
}

namespace {

struct Scaling {
  std::vector<bool> log;
  std::vector<double> lo, hi;  // scaled
  double value(std::size_t i, double u) const { return log[i] ? std::exp(u) : u; }
  double scaled(std::size_t i, double v) const { return log[i] ? std::log(v) : v; }
};

class Evaluator {
 public:
  Evaluator(const ParameterFile& file, const std::vector<MeasuredExperiment>& xs, std::vector<std::string> paths, Scaling sc, double rtol)
      : file_(file), xs_(xs), paths_(std::move(paths)), sc_(std::move(sc)), rtol_(rtol) {
    for (const auto& x : xs_) n_ += x.points();
  }
  std::size_t residuals() const { return n_; }
  std::size_t parameters() const { return paths_.size(); }
  const Scaling& scaling() const { return sc_; }
  long simulations() const { return sims_; }
  std::string last_error() const {
    std::lock_guard<std::mutex> g(m_);
    return last_error_;
  }
  sim::CellParameters cell(const double* u) const {
    std::vector<std::pair<std::string, double>> v;
    for (std::size_t i = 0; i < paths_.size(); ++i) v.emplace_back(paths_[i], sc_.value(i, u[i]));
    return file_.with(v);
  }
  // False (with the reason kept) when the parameters are not allowed or the simulation fails.
  bool evaluate(const double* u, double* r) const {
    try {
      const auto prm = cell(u);
      std::size_t off = 0;
      for (const auto& x : xs_) {
        ++sims_;
        const auto w = weighted_residuals(prm, x, rtol_);
        std::copy(w.begin(), w.end(), r + off);
        off += w.size();
      }
      for (std::size_t k = 0; k < n_; ++k)
        if (!std::isfinite(r[k])) throw Error("a residual is not finite");
      return true;
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> g(m_);
      last_error_ = e.what();
      return false;
    }
  }
  // Jacobian by finite differences (forward, or central), the parameters in parallel.
  // step_scale multiplies the default steps (1e-3 on the log scale, 1e-4 of the bounds on
  // the linear scale).
  bool jacobian(const double* u, const double* r0, double* J, bool central, int threads, double step_scale = 1) const {
    const std::size_t p = paths_.size();
    std::vector<std::vector<double>> plus(p, std::vector<double>(n_)), minus(central ? p : 0, std::vector<double>(n_));
    std::vector<double> h(p);
    std::vector<char> ok(p, 1);
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i = next++; i < p; i = next++) {
        std::vector<double> uu(u, u + p);
        double step = step_scale * (sc_.log[i] ? 1e-3 : 1e-4 * (sc_.hi[i] - sc_.lo[i]));
        if (!central && uu[i] + step > sc_.hi[i]) step = -step;
        h[i] = step;
        uu[i] = u[i] + step;
        bool good = evaluate(uu.data(), plus[i].data());
        if (central && good) {
          uu[i] = u[i] - step;
          good = evaluate(uu.data(), minus[i].data());
        }
        if (!good && !central) {  // the other side
          h[i] = -step;
          uu[i] = u[i] - step;
          good = evaluate(uu.data(), plus[i].data());
        }
        ok[i] = good;
      }
    };
    const int nt = std::max(1, std::min<int>(threads, static_cast<int>(p)));
    std::vector<std::thread> pool;
    for (int k = 1; k < nt; ++k) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    for (std::size_t i = 0; i < p; ++i)
      if (!ok[i]) return false;
    for (std::size_t k = 0; k < n_; ++k)
      for (std::size_t i = 0; i < p; ++i) J[k * p + i] = central ? (plus[i][k] - minus[i][k]) / (2 * h[i]) : (plus[i][k] - r0[k]) / h[i];
    return true;
  }

 private:
  const ParameterFile& file_;
  const std::vector<MeasuredExperiment>& xs_;
  std::vector<std::string> paths_;
  Scaling sc_;
  double rtol_;
  std::size_t n_ = 0;
  mutable std::atomic<long> sims_{0};
  mutable std::mutex m_;
  mutable std::string last_error_;
};

class SimulationCost final : public ceres::CostFunction {
 public:
  SimulationCost(const Evaluator& e, int threads) : e_(e), threads_(threads) {
    set_num_residuals(static_cast<int>(e.residuals()));
    mutable_parameter_block_sizes()->push_back(static_cast<int>(e.parameters()));
  }
  bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
    if (!e_.evaluate(parameters[0], residuals)) return false;
    if (jacobians && jacobians[0]) return e_.jacobian(parameters[0], residuals, jacobians[0], false, threads_);
    return true;
  }

 private:
  const Evaluator& e_;
  int threads_;
};

class Progress final : public ceres::IterationCallback {
 public:
  Progress(const IdentifyOptions& o, const Evaluator& e, std::string what, std::chrono::steady_clock::time_point t0)
      : o_(o), e_(e), what_(std::move(what)), t0_(t0) {}
  ceres::CallbackReturnType operator()(const ceres::IterationSummary& s) override {
    if (o_.progress)
      o_.progress(fmt::format("identify: {}, iteration {}: chi2 {:.6g} ({} simulations, {:.1f} s)", what_, s.iteration, 2 * s.cost,
                              e_.simulations(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count()));
    return ceres::SOLVER_CONTINUE;
  }

 private:
  const IdentifyOptions& o_;
  const Evaluator& e_;
  std::string what_;
  std::chrono::steady_clock::time_point t0_;
};

struct Solved {
  std::vector<double> u;
  double chi2 = INFINITY;
  bool converged = false;
  std::string message;
};

// Least squares from u0, with the parameters in `fixed` held.
Solved solve(const Evaluator& e, std::vector<double> u0, const std::vector<int>& fixed, const IdentifyOptions& o, int threads,
             const std::string& what, std::chrono::steady_clock::time_point t0) {
  ceres::Problem::Options po;
  po.cost_function_ownership = ceres::TAKE_OWNERSHIP;
  ceres::Problem problem(po);
  const int p = static_cast<int>(u0.size());
  problem.AddResidualBlock(new SimulationCost(e, threads), nullptr, u0.data());
  for (int i = 0; i < p; ++i) {
    problem.SetParameterLowerBound(u0.data(), i, e.scaling().lo[static_cast<std::size_t>(i)]);
    problem.SetParameterUpperBound(u0.data(), i, e.scaling().hi[static_cast<std::size_t>(i)]);
  }
  if (static_cast<int>(fixed.size()) == p) {
    Solved s;
    std::vector<double> r(e.residuals());
    if (e.evaluate(u0.data(), r.data())) {
      s.chi2 = 0;
      for (double v : r) s.chi2 += v * v;
    }
    s.u = u0;
    s.converged = true;
    return s;
  }
  if (!fixed.empty()) problem.SetManifold(u0.data(), new ceres::SubsetManifold(p, fixed));
  ceres::Solver::Options so;
  so.linear_solver_type = ceres::DENSE_QR;
  so.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  so.max_num_iterations = o.max_iterations;
  so.function_tolerance = 1e-8;
  so.parameter_tolerance = 1e-8;
  so.gradient_tolerance = 1e-12;
  so.logging_type = ceres::SILENT;
  so.num_threads = 1;
  Progress cb(o, e, what, t0);
  if (o.progress) {
    so.callbacks.push_back(&cb);
    so.update_state_every_iteration = false;
  }
  ceres::Solver::Summary sum;
  ceres::Solve(so, &problem, &sum);
  Solved s;
  s.u = u0;
  s.chi2 = sum.IsSolutionUsable() ? 2 * sum.final_cost : INFINITY;
  s.converged = sum.termination_type == ceres::CONVERGENCE;
  s.message = sum.message;
  return s;
}

std::string exponent(double e) {
  if (std::fabs(e - 1) < 0.05) return "";
  return fmt::format("^{:.2f}", e);
}

}  // namespace

IdentifyResult identify(const ParameterFile& file, const std::vector<MeasuredExperiment>& xs, const IdentifyOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.parameters.empty()) throw Error("identify: no parameter to fit (--fit PATH)");
  if (xs.empty()) throw Error("identify: no data to fit (--data FILE)");
  const std::size_t p = o.parameters.size();
  Scaling sc;
  std::vector<std::string> paths;
  std::vector<double> u0(p);
  IdentifyResult res;
  res.parameters.resize(p);
  for (std::size_t i = 0; i < p; ++i) {
    const auto& fp = o.parameters[i];
    for (std::size_t j = 0; j < i; ++j)
      if (paths[j] == fp.path) throw Error(fmt::format("identify: {} is named twice", fp.path));
    const double start = fp.start ? *fp.start : file.value(fp.path);
    const bool potential = fp.path.size() > 2 && fp.path.ends_with("_V");
    double lo = 0, hi = 0;
    if (fp.lower) {
      lo = *fp.lower, hi = *fp.upper;
    } else if (potential) {
      lo = start - 0.3, hi = start + 0.3;
    } else if (start > 0) {
      lo = start / 100, hi = start * 100;
    } else {
      throw Error(fmt::format("identify: {} starts at {}: give bounds (--fit {}=LO:HI)", fp.path, start, fp.path));
    }
    if (!(start >= lo && start <= hi))
      throw Error(fmt::format("identify: {} starts at {:g}, outside its bounds {:g}..{:g}", fp.path, start, lo, hi));
    const bool log = lo > 0 && !potential;
    sc.log.push_back(log);
    sc.lo.push_back(log ? std::log(lo) : lo);
    sc.hi.push_back(log ? std::log(hi) : hi);
    paths.push_back(fp.path);
    u0[i] = sc.scaled(i, start);
    auto& ip = res.parameters[i];
    ip.path = fp.path, ip.start = start, ip.lower = lo, ip.upper = hi, ip.log_scale = log;
  }
  const int threads = o.threads > 0 ? o.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  Evaluator ev(file, xs, paths, sc, o.simulator_rtol);
  {
    std::vector<double> r(ev.residuals());
    if (!ev.evaluate(u0.data(), r.data()))
      throw Error(fmt::format("identify: the simulation fails at the start values: {}", ev.last_error()));
  }
  // Multi-start.
  std::mt19937 rng(o.seed);
  Solved best;
  for (int st = 0; st < std::max(1, o.starts); ++st) {
    std::vector<double> u = u0;
    if (st > 0)
      for (std::size_t i = 0; i < p; ++i) u[i] = std::uniform_real_distribution<double>(sc.lo[i], sc.hi[i])(rng);
    std::vector<double> r(ev.residuals());
    if (st > 0 && !ev.evaluate(u.data(), r.data())) {
      res.warnings.push_back(fmt::format("start {}: the simulation fails there ({}); skipped", st + 1, ev.last_error()));
      continue;
    }
    auto s = solve(ev, u, {}, o, threads, fmt::format("start {}/{}", st + 1, std::max(1, o.starts)), t0);
    if (s.chi2 < best.chi2) best = std::move(s);
  }
  if (!std::isfinite(best.chi2)) throw Error(fmt::format("identify: no start gave a usable fit: {}", ev.last_error()));
  res.converged = best.converged;
  res.optimizer_message = best.message;
  const std::vector<double>& u = best.u;
  // Residuals and the central-difference Jacobian at the solution.
  const std::size_t n = ev.residuals();
  std::vector<double> r(n), Jrow(n * p);
  if (!ev.evaluate(u.data(), r.data())) throw Error(fmt::format("identify: the simulation fails at the solution: {}", ev.last_error()));
  // The Jacobian behind the uncertainties: the simulator's adaptive steps make the
  // residuals rough in the parameters at the level of its tolerance, and a difference
  // quotient amplifies that roughness into curvature the data do not have (a direction the
  // data leave flat looked determined: the side reaction's i0 and e0, which enter only as
  // i0 exp(e0 / b), came out "9.102 .. 9.106" with correlation -1.000). So: a 100 times
  // tighter tolerance and ten times larger central steps.
  Evaluator fine(file, xs, paths, sc, std::min(o.simulator_rtol, 1e-2 * o.simulator_rtol));
  std::vector<double> r_fine(n);
  const bool fine_ok = fine.evaluate(u.data(), r_fine.data());
  // What the simulator's own error at its tolerance adds to chi-square: the change from the
  // 100 times tighter run. A direction along which chi-square changes by no more than a few
  // times this is not resolved by the simulation, whatever the data's noise.
  double numerical_chi2 = 0;
  if (fine_ok)
    for (std::size_t k = 0; k < n; ++k) numerical_chi2 += (r[k] - r_fine[k]) * (r[k] - r_fine[k]);
  if (fine_ok && numerical_chi2 > 0.1 * static_cast<double>(n))
    res.warnings.push_back(
        fmt::format("the simulator's own error at rtol {:g} is comparable to the data's noise (it adds {:.3g} to "
                    "chi-square over {} points): tighten the tolerance or check the noise estimate",
                    o.simulator_rtol, numerical_chi2, n));
  if (!(fine_ok && fine.jacobian(u.data(), r_fine.data(), Jrow.data(), true, threads, 10)))
    if (!ev.jacobian(u.data(), r.data(), Jrow.data(), true, threads))
      if (!ev.jacobian(u.data(), r.data(), Jrow.data(), false, threads))
        throw Error(fmt::format("identify: the Jacobian at the solution cannot be evaluated: {}", ev.last_error()));
  Eigen::MatrixXd J(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(p));
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < p; ++i) J(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(i)) = Jrow[k * p + i];
  res.points = n;
  res.chi2 = 0;
  for (double v : r) res.chi2 += v * v;
  const double dof = static_cast<double>(std::max<std::size_t>(1, n > p ? n - p : 1));
  res.reduced_chi2 = res.chi2 / dof;
  const double s2 = std::max(1.0, res.reduced_chi2);
  if (res.reduced_chi2 > 2)
    res.warnings.push_back(
        fmt::format("the model leaves a reduced chi-square of {:.3g}: it does not explain the data to their noise "
                    "(a missing mechanism, or noise underestimated); the uncertainties are scaled by sqrt({:.3g})",
                    res.reduced_chi2, res.reduced_chi2));
  // Covariance from the eigen decomposition of J^T J in units where 1 is the threshold of
  // "not determined" (ln 2 on the log scale: a factor 2 at one standard error; a quarter of
  // the bounds on the linear scale).
  Eigen::VectorXd unit(static_cast<Eigen::Index>(p));
  for (std::size_t i = 0; i < p; ++i) unit(static_cast<Eigen::Index>(i)) = sc.log[i] ? std::log(2.0) : 0.25 * (sc.hi[i] - sc.lo[i]);
  const Eigen::MatrixXd Jw = J * unit.asDiagonal();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(Jw.transpose() * Jw);
  const Eigen::VectorXd lam = eig.eigenvalues();
  const Eigen::MatrixXd Vec = eig.eigenvectors();
  const double lam_max = std::max(lam.maxCoeff(), 1e-300);
  Eigen::MatrixXd cov_w = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p));
  std::vector<bool> in_null(p, false);
  // The Jacobian's verdict on each direction is checked by a finite step of one unit along
  // it (both ways, within the bounds): where chi-square rises by less than 3.84 x s2 the
  // data leave the direction flat whatever the local derivatives say (the simulator's
  // adaptive steps can give an exactly flat direction a spurious curvature).
  auto residuals_at = [&](const std::vector<double>& uu, Eigen::VectorXd& rr) -> double {
    rr.resize(static_cast<Eigen::Index>(n));
    if (!ev.evaluate(uu.data(), rr.data())) return INFINITY;
    return rr.squaredNorm();
  };
  // The step along an eigenvector of J^T J is followed by up to two Gauss-Newton steps in
  // the other directions (from the residuals at the stepped point): where two parameters are
  // exactly one combination, finite-difference noise in J tilts the eigenvector a little
  // towards the stiff directions, and with stiff eigenvalues of 1e9 a tilt of 1 % alone
  // raises chi-square by 1e5. The corrected rise is that of the combination itself.
  auto flat_along = [&](Eigen::Index k_dir) -> bool {
    const Eigen::VectorXd v = Vec.col(k_dir);
    Eigen::MatrixXd Q(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p > 1 ? p - 1 : 0));
    for (Eigen::Index j = 0, c = 0; j < static_cast<Eigen::Index>(p); ++j)
      if (j != k_dir) Q.col(c++) = Vec.col(j);
    const Eigen::MatrixXd JQ = Jw * Q;
    double rise = INFINITY;
    for (int sign : {-1, 1}) {
      std::vector<double> uu = u;
      double f = 1;  // shrink the step to stay inside the bounds
      for (std::size_t i = 0; i < p; ++i) {
        const double d = sign * v(static_cast<Eigen::Index>(i)) * unit(static_cast<Eigen::Index>(i));
        if (u[i] + d > sc.hi[i]) f = std::min(f, (sc.hi[i] - u[i]) / d);
        if (u[i] + d < sc.lo[i]) f = std::min(f, (sc.lo[i] - u[i]) / d);
      }
      if (f < 0.25) continue;  // hardly any room this way
      for (std::size_t i = 0; i < p; ++i) uu[i] = u[i] + f * sign * v(static_cast<Eigen::Index>(i)) * unit(static_cast<Eigen::Index>(i));
      Eigen::VectorXd rr;
      double c = residuals_at(uu, rr);
      const auto qr = JQ.colPivHouseholderQr();
      for (int it = 0; it < 2 && std::isfinite(c) && p > 1; ++it) {
        const Eigen::VectorXd a = qr.solve(-rr);
        const Eigen::VectorXd dw = Q * a;
        std::vector<double> uc = uu;
        bool inside = a.allFinite();
        for (std::size_t i = 0; i < p; ++i) {
          uc[i] += dw(static_cast<Eigen::Index>(i)) * unit(static_cast<Eigen::Index>(i));
          inside = inside && uc[i] >= sc.lo[i] && uc[i] <= sc.hi[i];
        }
        Eigen::VectorXd rc;
        const double cc = inside ? residuals_at(uc, rc) : INFINITY;
        if (!(cc < c)) break;
        c = cc, uu = uc, rr = rc;
      }
      // A shortened step is scaled to a full one assuming a quadratic rise.
      if (std::isfinite(c)) rise = std::min(rise, (c - res.chi2) / (f * f));
    }
    return std::isfinite(rise) && rise < 3.84 * s2 + 4 * numerical_chi2;
  };
  for (Eigen::Index k = 0; k < static_cast<Eigen::Index>(p); ++k) {
    const Eigen::VectorXd v = Vec.col(k);
    double sd = lam(k) > 0 ? std::sqrt(s2 / lam(k)) : INFINITY;
    const bool flat = sd > 1 || flat_along(k);
    if (flat && !(sd > 1)) sd = INFINITY;
    if (lam(k) > 1e-14 * lam_max && lam(k) > 0 && !(flat && std::isinf(sd))) {
      cov_w += s2 / lam(k) * v * v.transpose();
    } else {
      for (std::size_t i = 0; i < p; ++i)
        if (std::fabs(v(static_cast<Eigen::Index>(i))) > 0.1) in_null[i] = true;
    }
    // A direction the data do not determine to one unit: name it when it mixes parameters.
    if (sd > 1) {
      std::vector<std::pair<double, std::size_t>> comp;
      for (std::size_t i = 0; i < p; ++i)
        if (std::fabs(v(static_cast<Eigen::Index>(i))) > 0.25) comp.emplace_back(v(static_cast<Eigen::Index>(i)), i);
      // In the order of the --fit options (so the message does not depend on rounding).
      if (comp.size() >= 2) {
        std::string along;
        for (const auto& [c, i] : comp) along += fmt::format("{}{} {:+.2f}", along.empty() ? "" : ", ", paths[i], c);
        std::string msg = std::isinf(sd) ? fmt::format(
                                               "the data do not determine the combination along ({}): a step of a "
                                               "factor 2 (log scale) or a quarter of the bounds along it leaves the fit "
                                               "as it is",
                                               along)
                                         : fmt::format(
                                               "the data do not determine the combination along ({}) (one standard error "
                                               "spans {:.3g} units of 'not determined')",
                                               along, sd);
        if (comp.size() == 2 && sc.log[comp[0].second] && sc.log[comp[1].second]) {
          // ln p1 / ln p2 move together as (c1, c2): p1^c2 / p2^c1 stays; with p1's exponent 1.
          const double e = comp[0].first / comp[1].first;
          const std::string a = paths[comp[0].second], b = paths[comp[1].second];
          msg = e > 0 ? fmt::format("only {} / {}{} is determined by these data: the two move together", a, b, exponent(e))
                      : fmt::format("only {} x {}{} is determined by these data: one rises as the other falls", a, b, exponent(-e));
        }
        if (comp.size() == 2 && sc.log[comp[0].second] != sc.log[comp[1].second]) {
          // ln a and b (linear) move as (da, db): a exp(-(da / db) b) stays.
          const std::size_t ia = sc.log[comp[0].second] ? comp[0].second : comp[1].second;
          const std::size_t ib = ia == comp[0].second ? comp[1].second : comp[0].second;
          const double da = v(static_cast<Eigen::Index>(ia)) * unit(static_cast<Eigen::Index>(ia));
          const double db = v(static_cast<Eigen::Index>(ib)) * unit(static_cast<Eigen::Index>(ib));
          const double q = -da / db;  // a exp(q b)
          msg = fmt::format("only {} x exp({}{} / {:.3g}) is determined by these data", paths[ia], q > 0 ? "" : "-", paths[ib],
                            1 / std::fabs(q));
        }
        res.undetermined.push_back(msg);
      }
    }
  }
  res.correlation.assign(p, std::vector<double>(p, 0));
  for (std::size_t i = 0; i < p; ++i) {
    auto& ip = res.parameters[i];
    const auto ii = static_cast<Eigen::Index>(i);
    ip.value = sc.value(i, u[i]);
    const double var_w = cov_w(ii, ii);
    const double se = in_null[i] ? INFINITY : std::sqrt(var_w) * unit(ii);
    ip.standard_error = se;
    ip.ci_low = sc.value(i, u[i] - 1.96 * se);
    ip.ci_high = sc.value(i, u[i] + 1.96 * se);
    if (!std::isfinite(se)) ip.ci_low = ip.lower, ip.ci_high = ip.upper;
    for (std::size_t j = 0; j < p; ++j) {
      const auto jj = static_cast<Eigen::Index>(j);
      res.correlation[i][j] = cov_w(ii, ii) > 0 && cov_w(jj, jj) > 0 ? cov_w(ii, jj) / std::sqrt(cov_w(ii, ii) * cov_w(jj, jj)) : NAN;
    }
    const double span = sc.hi[i] - sc.lo[i];
    if (u[i] - sc.lo[i] < 1e-6 * span || sc.hi[i] - u[i] < 1e-6 * span) {
      ip.determined = false;
      ip.note = "at its bound: the data push it beyond; widen the bounds or the model misses something";
    } else if (!std::isfinite(se)) {
      ip.determined = false;
      ip.note = "it lies on a direction the data leave flat (see the combinations below)";
    } else if (se > unit(ii)) {
      ip.determined = false;
      ip.note = sc.log[i] ? fmt::format("one standard error is a factor {:.3g}: not determined by these data", std::exp(se))
                          : fmt::format("one standard error ({:.3g}) is over a quarter of the bounds: not determined", se);
    } else if (ip.ci_low < ip.lower || ip.ci_high > ip.upper) {
      ip.note = "the 95 % interval reaches a bound";
    }
  }
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = i + 1; j < p; ++j)
      if (std::fabs(res.correlation[i][j]) > 0.95)
        res.warnings.push_back(fmt::format("{} and {} are correlated ({:+.3f})", paths[i], paths[j], res.correlation[i][j]));
  // Profile likelihoods.
  if (o.profiles) {
    const double chi2_best = res.chi2;
    for (std::size_t i = 0; i < p; ++i) {
      auto& ip = res.parameters[i];
      ip.profiled = true;
      const double se = std::isfinite(ip.standard_error) ? ip.standard_error : 0.25 * (sc.hi[i] - sc.lo[i]);
      for (int dir : {-1, +1}) {
        double step = std::clamp(0.75 * se, 1e-4 * (sc.hi[i] - sc.lo[i]), 0.1 * (sc.hi[i] - sc.lo[i]));
        std::vector<double> cur = u;
        double prev_u = u[i], prev_d = 0;
        std::optional<double> crossing;
        for (int k = 0; k < 16; ++k) {
          double next = prev_u + dir * step;
          const bool at_bound = dir < 0 ? next <= sc.lo[i] : next >= sc.hi[i];
          if (at_bound) next = dir < 0 ? sc.lo[i] : sc.hi[i];
          cur[i] = next;
          auto s =
              solve(ev, cur, {static_cast<int>(i)}, o, threads, fmt::format("profile of {} at {:.4g}", paths[i], sc.value(i, next)), t0);
          if (!std::isfinite(s.chi2)) break;
          cur = s.u;
          const double d = (s.chi2 - chi2_best) / s2;
          if (d >= 3.84) {
            const double f = (3.84 - prev_d) / (d - prev_d);
            crossing = prev_u + f * (next - prev_u);
            break;
          }
          prev_u = next, prev_d = std::max(d, 0.0);
          if (at_bound) break;
          step *= 1.5;
        }
        if (crossing) (dir < 0 ? ip.profile_low : ip.profile_high) = sc.value(i, *crossing);
      }
      if (!ip.profile_low || !ip.profile_high) {
        if (ip.determined) ip.note = (ip.note.empty() ? "" : ip.note + "; ") + "its 95 % profile interval is open";
        ip.determined = false;
      } else {
        // The Jacobian's interval is the profile's only where the model is linear in the
        // parameter over the interval; where they differ, the profile is the one to quote.
        const double wp = sc.scaled(i, *ip.profile_high) - sc.scaled(i, *ip.profile_low);
        const double wj = sc.scaled(i, ip.ci_high) - sc.scaled(i, ip.ci_low);
        const bool outside = *ip.profile_low < ip.ci_low - 0.25 * (ip.ci_high - ip.ci_low) ||
                             *ip.profile_high > ip.ci_high + 0.25 * (ip.ci_high - ip.ci_low);
        if (wp > 1.5 * wj || outside)
          ip.note = (ip.note.empty() ? "" : ip.note + "; ") +
                    "the profile interval differs from the Jacobian's (the model is not linear in it here): quote the profile";
      }
    }
  }
  // Per-experiment fit quality.
  {
    const auto prm = ev.cell(u.data());
    std::size_t off = 0;
    for (const auto& x : xs) {
      ExperimentFit f;
      f.source = x.source;
      f.points = x.points();
      f.notes = x.notes;
      double sv = 0, sa = 0, sz = 0;
      std::size_t nv = 0, na = 0, nz = 0;
      for (std::size_t k = 0; k < x.time_s.size(); ++k) {
        const double w = r[off + k];
        f.model.push_back(x.value[k] + w * (x.is_current[k] ? x.noise_A : x.noise_V));
        f.chi2 += w * w;
        if (x.is_current[k])
          sa += std::pow(w * x.noise_A, 2), ++na;
        else
          sv += std::pow(w * x.noise_V, 2), ++nv;
      }
      for (std::size_t k = x.time_s.size(); k < x.points(); ++k) {
        const double w = r[off + k];
        f.chi2 += w * w;
        sz += std::pow(w * x.noise_relative_z, 2), ++nz;
      }
      for (std::size_t k = 0; k < x.freq_Hz.size(); ++k) {
        const double scale = x.noise_relative_z * std::abs(x.z_ohm[k]);
        const std::size_t at = off + x.time_s.size() + 2 * k;
        f.model_z.emplace_back(x.z_ohm[k].real() + r[at] * scale, x.z_ohm[k].imag() + r[at + 1] * scale);
      }
      if (nv) f.rms_V = std::sqrt(sv / static_cast<double>(nv)), f.noise_V = x.noise_V;
      if (na) f.rms_A = std::sqrt(sa / static_cast<double>(na)), f.noise_A = x.noise_A;
      if (nz) f.rms_relative_z = std::sqrt(sz / static_cast<double>(nz)), f.noise_relative_z = x.noise_relative_z;
      off += x.points();
      res.experiments.push_back(std::move(f));
    }
    (void)prm;
  }
  if (!res.converged) res.warnings.push_back("the optimizer did not converge: " + res.optimizer_message);
  res.simulations = ev.simulations() + fine.simulations();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace castor::fit
