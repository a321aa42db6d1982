#include "castor/eis/fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include <Eigen/Dense>
#include <ceres/ceres.h>
#include <glog/logging.h>
#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/eis/detail/circuit_node.h"
#include "castor/fit/detail/covariance.h"

namespace castor::eis {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTwoPi = 6.283185307179586;

bool is_exponent(const Circuit& c, std::size_t k) {
  const auto& t = c.parameter_element_types()[k];
  const auto& n = c.parameters()[k].name;
  return (t == "CPE" || t == "La") ? n.ends_with("_1") : (t == "TLMQ" ? n.ends_with("_2") : false);
}

// Weighted residuals r = (Z_fit - Z) / sigma, 2N of them, as functions of theta = ln p.
class ImpedanceCost final : public ceres::CostFunction {
 public:
  ImpedanceCost(const Circuit& c, const Spectrum& s, Weighting w) : c_(c), s_(s) {
    const std::size_t n = s.size();
    set_num_residuals(static_cast<int>(2 * n));
    p_.resize(c.size());
    g_.resize(c.size() * n);
    z_.resize(n);
    omega_.resize(n);
    for (std::size_t i = 0; i < n; ++i) omega_[i] = kTwoPi * s.freq_Hz[i];
    mutable_parameter_block_sizes()->push_back(static_cast<int>(c.size()));
    sig_re_.resize(n), sig_im_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto z = s.z_ohm[i];
      switch (w) {
        case Weighting::unit:
          sig_re_[i] = sig_im_[i] = 1;
          break;
        case Weighting::modulus:
          sig_re_[i] = sig_im_[i] = std::abs(z);
          break;
        case Weighting::proportional:
          sig_re_[i] = std::max(std::fabs(z.real()), 1e-300);
          sig_im_[i] = std::max(std::fabs(z.imag()), 1e-300);
          break;
      }
    }
  }
  bool Evaluate(double const* const* theta, double* r, double** jac) const override {
    const std::size_t P = c_.size();
    std::vector<double>& p = p_;
    std::vector<cplx>& g = g_;
    for (std::size_t k = 0; k < P; ++k) p[k] = std::exp(theta[0][k]);
    const bool with_jacobian = jac && jac[0];
    c_.impedance(omega_, p, z_, with_jacobian ? std::span<cplx>(g) : std::span<cplx>());
    for (std::size_t i = 0; i < s_.size(); ++i) {
      const cplx d = z_[i] - s_.z_ohm[i];
      r[2 * i] = d.real() / sig_re_[i];
      r[2 * i + 1] = d.imag() / sig_im_[i];
      if (!std::isfinite(r[2 * i]) || !std::isfinite(r[2 * i + 1])) return false;
      if (with_jacobian) {
        const cplx* gi = g.data() + i * P;
        for (std::size_t k = 0; k < P; ++k) {
          jac[0][(2 * i) * P + k] = gi[k].real() * p[k] / sig_re_[i];
          jac[0][(2 * i + 1) * P + k] = gi[k].imag() * p[k] / sig_im_[i];
        }
      }
    }
    return true;
  }
  const std::vector<double>& sig_re() const { return sig_re_; }
  const std::vector<double>& sig_im() const { return sig_im_; }

 private:
  // Scratch for Evaluate (Ceres calls it from one thread here: num_threads = 1).
  mutable std::vector<double> p_;
  mutable std::vector<cplx> g_, z_;  // dZ/dp at every frequency (frequency-major), Z
  std::vector<double> omega_;
  const Circuit& c_;
  const Spectrum& s_;
  std::vector<double> sig_re_, sig_im_;
};

// --- the end of a fit in a curved valley ------------------------------------------------

// Stops Ceres when Gauss-Newton crawls: steps accepted in a row, each predicting about half
// of the decrease it achieves and shorter than the one before by a steady ratio. That is
// linear convergence along a weakly determined direction, where the residuals' own
// curvature (sum r_i d2r_i, which Gauss-Newton leaves out) is comparable to J^T J: on
// impedance.py's example 50 of 62 iterations were of this kind.
class CrawlDetector final : public ceres::IterationCallback {
 public:
  ceres::CallbackReturnType operator()(const ceres::IterationSummary& it) override {
    const bool crawl = it.step_is_successful && it.relative_decrease > 1.3 && it.relative_decrease < 3 && last_step_ > 0 &&
                       it.step_norm < 0.98 * last_step_ && it.step_norm > 0.5 * last_step_;
    run_ = crawl ? run_ + 1 : 0;
    last_step_ = it.step_is_successful ? it.step_norm : 0;
    if (run_ >= 4) {
      stopped_ = true;
      return ceres::SOLVER_TERMINATE_SUCCESSFULLY;
    }
    return ceres::SOLVER_CONTINUE;
  }
  bool stopped() const { return stopped_; }

 private:
  double last_step_ = 0;
  int run_ = 0;
  bool stopped_ = false;
};

// Newton steps on the cost 1/2 |r|^2 with the full Hessian J^T J + sum r_i d2r_i, its second
// part from forward differences of the analytic Jacobian; parameters fixed or held at a
// bound (the gradient pushing out) stay where they are. Each step is taken only if it lowers
// the cost (halved up to 10 times). Returns the Newton iterations taken. Ceres then
// confirms the minimum with its own tolerances.
int newton_refine(const ceres::CostFunction& cost, std::vector<double>& theta, const std::vector<double>& lo, const std::vector<double>& hi,
                  const std::vector<bool>& fixed) {
  const auto P = theta.size();
  const auto R = static_cast<std::size_t>(cost.num_residuals());
  std::vector<double> r(R), J(R * P), r2(R), J2(R * P);
  auto eval = [&](const std::vector<double>& th, std::vector<double>& rr, std::vector<double>* jj) {
    const double* t = th.data();
    double* jp = jj ? jj->data() : nullptr;
    if (!cost.Evaluate(&t, rr.data(), jj ? &jp : nullptr)) return std::numeric_limits<double>::infinity();
    double c = 0;
    for (double v : rr) c += v * v;
    return std::isfinite(c) ? 0.5 * c : std::numeric_limits<double>::infinity();
  };
  int taken = 0;
  for (int iter = 0; iter < 6; ++iter) {
    const double c0 = eval(theta, r, &J);
    if (!std::isfinite(c0)) break;
    Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>> Jm(J.data(), static_cast<Eigen::Index>(R),
                                                                        static_cast<Eigen::Index>(P));
    Eigen::Map<const Eigen::VectorXd> rv(r.data(), static_cast<Eigen::Index>(R));
    const Eigen::VectorXd g = Jm.transpose() * rv;
    std::vector<std::size_t> F;
    for (std::size_t k = 0; k < P; ++k) {
      const auto gk = g(static_cast<Eigen::Index>(k));
      const bool at_lo = theta[k] <= lo[k] + 1e-9 && gk > 0, at_hi = theta[k] >= hi[k] - 1e-9 && gk < 0;
      if (!fixed[k] && !at_lo && !at_hi) F.push_back(k);
    }
    if (F.empty()) break;
    const auto nf = static_cast<Eigen::Index>(F.size());
    Eigen::MatrixXd H(nf, nf);
    const Eigen::MatrixXd JtJ = Jm.transpose() * Jm;
    bool ok = true;
    for (Eigen::Index a = 0; a < nf && ok; ++a) {
      // d(J^T r)/d theta_k = J^T J e_k + sum_i r_i d(J_i)/d theta_k: the second term from a step of J.
      std::vector<double> th = theta;
      const auto ka = static_cast<Eigen::Index>(F[static_cast<std::size_t>(a)]);
      const double h = 1e-6 * std::max(1.0, std::fabs(theta[static_cast<std::size_t>(ka)]));
      th[static_cast<std::size_t>(ka)] += h;
      ok = std::isfinite(eval(th, r2, &J2));
      Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>> J2m(J2.data(), static_cast<Eigen::Index>(R),
                                                                           static_cast<Eigen::Index>(P));
      const Eigen::VectorXd sr = (J2m - Jm).transpose() * rv / h;  // sum_i r_i dJ_i / d theta_ka
      for (Eigen::Index b = 0; b < nf; ++b) H(b, a) = JtJ(F[static_cast<std::size_t>(b)], ka) + sr(F[static_cast<std::size_t>(b)]);
    }
    if (!ok) break;
    const Eigen::MatrixXd Hs = 0.5 * (H + H.transpose());
    Eigen::VectorXd gf(nf);
    for (Eigen::Index a = 0; a < nf; ++a) gf(a) = g(static_cast<Eigen::Index>(F[static_cast<std::size_t>(a)]));
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(Hs);
    if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().minCoeff() > 0)) break;  // not a minimum's neighbourhood
    const Eigen::VectorXd d = -ldlt.solve(gf);
    if (!d.allFinite()) break;
    bool accepted = false;
    double c1 = c0;
    std::vector<double> next = theta;
    for (double alpha = 1; alpha > 1e-3; alpha *= 0.5) {
      next = theta;
      for (Eigen::Index a = 0; a < nf; ++a) {
        const std::size_t k = F[static_cast<std::size_t>(a)];
        next[k] = std::clamp(theta[k] + alpha * d(a), lo[k], hi[k]);
      }
      c1 = eval(next, r2, nullptr);
      if (c1 < c0) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
    theta = next;
    ++taken;
    // Superlinear from here: the next step would change the cost by about the square of this;
    // Ceres, run after, confirms with its own tolerance (1e-10).
    if (c0 - c1 <= 1e-6 * c0) break;
  }
  return taken;
}

// --- initial guesses -------------------------------------------------------------------

struct SpectrumFacts {
  double r_hf = 0, r_lf = 0, w_min = 0, w_max = 0;
  std::vector<double> peak_tau;  // time constants of -Im Z maxima, fastest first
  double im_hf = 0;              // Im Z at the highest frequency
  double warburg = 0;            // |Im Z| sqrt(w) at the lowest frequency
};

SpectrumFacts facts(const Spectrum& s) {
  SpectrumFacts f;
  std::vector<std::size_t> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return s.freq_Hz[a] > s.freq_Hz[b]; });
  const auto& hi = s.z_ohm[idx.front()];
  const auto& lo = s.z_ohm[idx.back()];
  f.w_max = kTwoPi * s.freq_Hz[idx.front()];
  f.w_min = kTwoPi * s.freq_Hz[idx.back()];
  double rmin = std::numeric_limits<double>::infinity();
  for (const auto& z : s.z_ohm) rmin = std::min(rmin, z.real());
  f.r_hf = std::max(std::min(hi.real(), rmin), 0.0);
  if (f.r_hf <= 0) f.r_hf = std::max(1e-3 * std::abs(hi), 1e-12);
  f.r_lf = std::max(lo.real(), f.r_hf * 1.01);
  f.im_hf = hi.imag();
  f.warburg = std::fabs(lo.imag()) * std::sqrt(f.w_min);
  for (std::size_t k = 1; k + 1 < idx.size(); ++k) {
    const double a = -s.z_ohm[idx[k - 1]].imag(), b = -s.z_ohm[idx[k]].imag(), c = -s.z_ohm[idx[k + 1]].imag();
    if (b > 0 && b >= a && b > c) f.peak_tau.push_back(1.0 / (kTwoPi * s.freq_Hz[idx[k]]));
  }
  return f;
}

struct Guesser {
  const SpectrumFacts& f;
  std::vector<double>& p;
  int groups = 0, group = 0;

  // Top-level parallel groups (arcs); parallels nested inside one belong to that arc.
  static int count_parallel(const Circuit::Node& n) {
    if (n.kind == Circuit::Node::parallel) return 1;
    int c = 0;
    for (const auto& ch : n.children) c += count_parallel(*ch);
    return c;
  }
  double tau_of(int g) const {
    if (g < static_cast<int>(f.peak_tau.size()) && groups <= static_cast<int>(f.peak_tau.size()))
      return f.peak_tau[static_cast<std::size_t>(g)];
    const double a = std::log(1 / f.w_max), b = std::log(1 / f.w_min);
    const double x = groups <= 1 ? 0.5 : static_cast<double>(g) / (groups - 1);
    return std::exp(a + (0.15 + 0.7 * x) * (b - a));
  }
  void walk(const Circuit::Node& n, bool in_parallel, double r_arc, double tau) {
    if (n.kind == Circuit::Node::parallel && !in_parallel) {
      const double dr = std::max(f.r_lf - f.r_hf, 0.1 * f.r_hf) / std::max(groups, 1);
      const double t = tau_of(group++);
      for (const auto& ch : n.children) walk(*ch, true, dr, t);
      return;
    }
    if (n.kind != Circuit::Node::element) {
      for (const auto& ch : n.children) walk(*ch, in_parallel, r_arc, tau);
      return;
    }
    const std::string_view t = n.type->name;
    double* q = p.data() + n.begin;
    const double dr_all = std::max(f.r_lf - f.r_hf, 0.1 * f.r_hf);
    const double rr = in_parallel ? r_arc : dr_all;
    const double tt = in_parallel ? tau : 1.0 / f.w_min;
    if (t == "R")
      q[0] = in_parallel ? r_arc : f.r_hf;
    else if (t == "C")
      q[0] = tt / rr;
    else if (t == "CPE")
      q[1] = 0.85, q[0] = std::pow(tt, 0.85) / rr;
    else if (t == "L")
      q[0] = f.im_hf > 0 ? f.im_hf / f.w_max : 1e-3 * f.r_hf / f.w_max;
    else if (t == "La")
      q[1] = 0.9, q[0] = std::pow(f.im_hf > 0 ? f.im_hf : 1e-3 * f.r_hf, 1 / 0.9) / f.w_max;
    else if (t == "W")
      q[0] = std::max(0.5 * f.warburg, 1e-6 * f.r_hf);
    else if (t == "Wo" || t == "Ws")
      q[0] = rr, q[1] = in_parallel ? tt * 10 : 1.0 / f.w_min;
    else if (t == "G")
      q[0] = rr, q[1] = tt;
    else if (t == "TLMQ")
      q[0] = rr, q[2] = 0.9, q[1] = std::pow(tt, 0.9) / rr;  // Zs ~ Rion at 1/tau
  }
};

// --- ordering of like arcs ---------------------------------------------------------------

std::string signature(const Circuit::Node& n) {
  if (n.kind == Circuit::Node::element) return std::string(n.type->name);
  std::string s = n.kind == Circuit::Node::series ? "s(" : "p(";
  for (const auto& c : n.children) s += signature(*c) + ",";
  return s + ")";
}

// Time constant of a parallel sub-circuit from its first R and its first C or CPE:
// tau = (R Q)^(1/alpha); NaN when it has no such pair.
double sub_tau(const Circuit::Node& n, const std::vector<double>& p) {
  double r = 0, q = 0, a = 1;
  std::vector<const Circuit::Node*> stack{&n};
  while (!stack.empty()) {
    const auto* m = stack.back();
    stack.pop_back();
    for (const auto& ch : m->children) stack.push_back(ch.get());
    if (m->kind != Circuit::Node::element) continue;
    const auto code = m->type->code;
    if (code == ElementCode::R && r == 0) r = p[m->begin];
    if (code == ElementCode::C && q == 0) q = p[m->begin], a = 1;
    if (code == ElementCode::CPE && q == 0) q = p[m->begin], a = p[m->begin + 1];
  }
  if (r > 0 && q > 0) return std::pow(r * q, 1.0 / a);
  return kNaN;
}

// Puts sibling parallel sub-circuits of the same form in the order of their time
// constants (fastest first) by swapping their parameter blocks.
void order_like_arcs(const Circuit::Node& n, std::vector<double>& p) {
  if (n.kind == Circuit::Node::series) {
    std::vector<const Circuit::Node*> par;
    for (const auto& ch : n.children)
      if (ch->kind == Circuit::Node::parallel) par.push_back(ch.get());
    for (std::size_t a = 0; a < par.size(); ++a)
      for (std::size_t b = a + 1; b < par.size(); ++b) {
        if (signature(*par[a]) != signature(*par[b])) continue;
        const double ta = sub_tau(*par[a], p), tb = sub_tau(*par[b], p);
        if (std::isfinite(ta) && std::isfinite(tb) && tb < ta)
          for (std::size_t k = 0; k < par[a]->end - par[a]->begin; ++k) std::swap(p[par[a]->begin + k], p[par[b]->begin + k]);
      }
  }
  for (const auto& ch : n.children) order_like_arcs(*ch, p);
}

}  // namespace

// Ceres logs rejected steps (a trial parameter set whose impedance overflows) through
// glog; those are expected during a search and not the user's business.
void quiet_ceres() {
  static const bool done = [] {
    FLAGS_minloglevel = google::GLOG_FATAL;
    return true;
  }();
  (void)done;
}

std::string_view to_string(Weighting w) {
  switch (w) {
    case Weighting::unit:
      return "unit";
    case Weighting::proportional:
      return "proportional";
    case Weighting::modulus:
      return "modulus";
  }
  return "unit";
}

std::optional<Weighting> weighting_from_string(std::string_view s) {
  for (auto w : {Weighting::unit, Weighting::proportional, Weighting::modulus})
    if (to_string(w) == s) return w;
  return std::nullopt;
}

std::vector<double> initial_guess(const Circuit& c, const Spectrum& s) {
  if (s.size() < 3) throw Error(fmt::format("{}: {} impedance points, too few to fit", s.source, s.size()));
  const auto f = facts(s);
  std::vector<double> p(c.size(), 1.0);
  Guesser g{f, p};
  g.groups = Guesser::count_parallel(c.root());
  g.walk(c.root(), false, 0, 0);
  for (double& x : p)
    if (!(x > 0) || !std::isfinite(x)) x = 1.0;
  return p;
}

namespace {

struct Scales {
  double z_min = 0, z_max = 0, w_min = 0, w_max = 0;
};
Scales scales_of(const Spectrum& s) {
  Scales sc{std::numeric_limits<double>::infinity(), 0, std::numeric_limits<double>::infinity(), 0};
  for (std::size_t i = 0; i < s.size(); ++i) {
    const double z = std::abs(s.z_ohm[i]), w = kTwoPi * s.freq_Hz[i];
    if (z > 0 && std::isfinite(z)) sc.z_min = std::min(sc.z_min, z), sc.z_max = std::max(sc.z_max, z);
    if (w > 0 && std::isfinite(w)) sc.w_min = std::min(sc.w_min, w), sc.w_max = std::max(sc.w_max, w);
  }
  return sc;
}

// The element type and the parameter's place in it ("CPE1_1" -> 1).
int index_in_element(const std::string& name) {
  const auto u = name.rfind('_');
  return u == std::string::npos ? 0 : std::atoi(name.c_str() + u + 1);
}

}  // namespace

std::pair<std::vector<double>, std::vector<double>> data_bounds(const Circuit& c, const Spectrum& s) {
  const std::size_t P = c.size();
  std::vector<double> lo(P), hi(P);
  const Scales sc = scales_of(s);
  const bool usable = sc.z_max > 0 && sc.w_max > 0 && std::isfinite(sc.z_min) && std::isfinite(sc.w_min);
  for (std::size_t k = 0; k < P; ++k) {
    const auto& q = c.parameters()[k];
    lo[k] = q.lower, hi[k] = q.upper;
    if (!usable || q.unit == "-") continue;  // exponents: physical bounds
    const std::string& type = c.parameter_element_types()[k];
    const int at = index_in_element(q.name);
    double a = 0, b = 0;
    if (q.unit == "Ohm") {
      a = 1e-6 * sc.z_max, b = 1e3 * sc.z_max;
    } else if (q.unit == "F") {
      a = 1e-3 / (sc.w_max * sc.z_max), b = 1e3 / (sc.w_min * sc.z_min);
    } else if (q.unit == "H") {
      a = 1e-3 * sc.z_min / sc.w_max, b = 1e3 * sc.z_max / sc.w_min;
    } else if (q.unit == "s") {
      a = 1e-3 / sc.w_max, b = 1e3 / sc.w_min;
    } else if (q.unit == "Ohm s^-1/2") {
      a = 1e-3 * sc.z_min * std::sqrt(sc.w_min), b = 1e3 * sc.z_max * std::sqrt(sc.w_max);
    } else if (q.unit.starts_with("F s^")) {  // CPE-like Q with an exponent in [0, 1]
      a = 1e-3 * std::min(1 / sc.z_max, 1 / (sc.z_max * sc.w_max)), b = 1e3 * std::max(1 / sc.z_min, 1 / (sc.z_min * sc.w_min));
    } else {
      continue;
    }
    (void)type, (void)at;
    lo[k] = std::max(lo[k], a);
    hi[k] = std::min(hi[k], b);
  }
  return {lo, hi};
}

namespace {

// What the data do not determine, and strong correlations (FitResult::undetermined, warnings).
void judge_determination(const Circuit& c, const Spectrum& s, FitResult& r, const std::vector<std::size_t>& free_idx) {
  const Scales sc = scales_of(s);
  const std::size_t P = c.size();
  const bool exact = !(r.reduced_chi_square > 1e-24);
  auto visible = [&](auto magnitude) {  // |Z_element(w)| reaches [0.01 |Z|min, 100 |Z|max] at a measured w
    for (double f : s.freq_Hz) {
      const double m = magnitude(kTwoPi * f);
      if (m >= 1e-2 * sc.z_min && m <= 1e2 * sc.z_max) return true;
    }
    return false;
  };
  for (std::size_t k = 0; k < P; ++k) {
    if (r.fixed[k]) continue;
    const double v = r.values[k];
    const auto& name = r.names[k];
    std::string why;
    if (r.lower[k] > 0 && std::fabs(std::log(v / r.lower[k])) < 1e-3)
      why = fmt::format("at its lower bound {:.3g}", r.lower[k]);
    else if (std::isfinite(r.upper[k]) && std::fabs(std::log(v / r.upper[k])) < 1e-3)
      why = fmt::format("at its upper bound {:.3g}", r.upper[k]);
    const double rel = r.std_errors[k] / v;
    if (why.empty() && std::isfinite(rel) && rel > 1) why = fmt::format("relative standard error {:.0f} %", 100 * rel);
    if (why.empty() && !exact && !(rel > 1e-9))
      why = fmt::format("relative standard error {:.2g} %, below the numerical floor: the data do not constrain it", 100 * rel);
    if (why.empty() && !std::isfinite(rel)) why = "no standard error (singular Jacobian)";
    if (why.empty()) {
      const std::string& unit = r.units[k];
      bool seen = true;
      if (unit == "F")
        seen = visible([&](double w) { return 1 / (w * v); });
      else if (unit == "H")
        seen = visible([&](double w) { return w * v; });
      else if (unit == "Ohm s^-1/2")
        seen = visible([&](double w) { return v * std::sqrt(2 / w); });
      else if (unit.starts_with("F s^") && k + 1 < P && r.units[k + 1] == "-") {
        const double alpha = r.values[k + 1];
        seen = visible([&](double w) { return 1 / (v * std::pow(w, alpha)); });
      } else if (unit == "s") {
        const double f0 = 1 / (kTwoPi * v);
        double fmin = std::numeric_limits<double>::infinity(), fmax = 0;
        for (double f : s.freq_Hz) fmin = std::min(fmin, f), fmax = std::max(fmax, f);
        seen = f0 >= fmin / 100 && f0 <= fmax * 100;
      }
      if (!seen) why = "its time constant lies outside the measured frequency window";
    }
    if (!why.empty()) r.undetermined.emplace_back(name, why);
  }
  for (std::size_t a = 0; a < r.correlation.size(); ++a)
    for (std::size_t b = a + 1; b < r.correlation.size(); ++b)
      if (std::fabs(r.correlation[a][b]) > 0.95)
        r.warnings.push_back(fmt::format("{} and {} are correlated ({:+.3f}): the data determine a combination of them",
                                         r.names[free_idx[a]], r.names[free_idx[b]], r.correlation[a][b]));
}

}  // namespace

std::string FitResult::status() const {
  if (!converged) return "NOT converged (iteration limit)";
  if (undetermined.empty()) return "converged";
  std::string s = "converged, but not determined by the data: ";
  for (std::size_t k = 0; k < undetermined.size(); ++k)
    s += fmt::format("{}{} ({})", k ? "; " : "", undetermined[k].first, undetermined[k].second);
  return s;
}

FitResult fit_circuit(const Circuit& c, const Spectrum& s, const FitOptions& o) {
  const std::size_t P = c.size(), N = s.size();
  if (N == 0) throw Error(fmt::format("{}: no impedance points", s.source));
  for (std::size_t i = 0; i < N; ++i)
    if (!(s.freq_Hz[i] > 0) || !std::isfinite(s.z_ohm[i].real()) || !std::isfinite(s.z_ohm[i].imag()))
      throw Error(fmt::format("{}: point {} has frequency {} Hz and Z = {} + {}j: not usable", s.source, i + 1, s.freq_Hz[i],
                              s.z_ohm[i].real(), s.z_ohm[i].imag()));
  std::vector<bool> fixed(P, false);
  std::vector<double> start = o.initial.empty() ? initial_guess(c, s) : o.initial;
  if (start.size() != P) throw Error(fmt::format("circuit {} has {} parameters; {} initial values given", c.text(), P, start.size()));
  for (const auto& constant : o.constants) {
    const auto& [name, v] = constant;
    auto it = std::find_if(c.parameters().begin(), c.parameters().end(), [&](const auto& q) { return q.name == constant.first; });
    if (it == c.parameters().end()) throw Error(fmt::format("constant '{}' is not a parameter of {}", name, c.text()));
    if (!(v > 0)) throw Error(fmt::format("constant {} = {} must be positive", name, v));
    const auto k = static_cast<std::size_t>(it - c.parameters().begin());
    fixed[k] = true;
    start[k] = v;
  }
  auto [lo, hi] = data_bounds(c, s);
  for (std::size_t k = 0; k < P; ++k) {
    if (auto b = o.bounds.find(c.parameters()[k].name); b != o.bounds.end()) lo[k] = b->second.first, hi[k] = b->second.second;
    // A start (given or automatic) outside the data's bounds widens them: the user's value wins.
    if (start[k] > 0 && start[k] < lo[k]) lo[k] = start[k] * 0.1;
    if (start[k] > hi[k] && std::isfinite(start[k])) hi[k] = start[k] * 10;
    if (!(start[k] > 0)) throw Error(fmt::format("initial value of {} must be positive", c.parameters()[k].name));
    start[k] = std::clamp(start[k], lo[k] > 0 ? lo[k] * (1 + 1e-9) : start[k], hi[k] * (1 - 1e-12));
  }
  const std::size_t n_free = static_cast<std::size_t>(std::count(fixed.begin(), fixed.end(), false));
  if (2 * N <= n_free) throw Error(fmt::format("{}: {} points cannot determine {} free parameters", s.source, N, n_free));

  quiet_ceres();
  auto* cost = new ImpedanceCost(c, s, o.weighting);
  ceres::Solver::Options so;
  so.linear_solver_type = ceres::DENSE_QR;
  so.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  so.max_num_iterations = o.max_iterations;
  // Tight: in a flat valley (a weakly determined pair) a looser cost tolerance stops early
  // at a point whose Jacobian makes the pair look well determined (tested: the modulus
  // fit of impedance.py's example stopped at Wo1_0 = 0.39 +- 0.9 % instead of 0.14 +- 177 %).
  so.function_tolerance = 1e-10;
  so.gradient_tolerance = 1e-14;
  so.parameter_tolerance = 1e-12;
  // Ceres' projected line search (on by default with bounds) costs a Jacobian per
  // iteration, but without it a step clamped at a bound stalls: the modulus fit of
  // impedance.py's example then ends at a worse minimum with Wo1 at its bound.
  so.logging_type = ceres::SILENT;
  so.num_threads = 1;

  std::vector<double> theta(P), best_theta;
  int extra_iterations = 0;  // of the last solve_to_minimum before its final Ceres run
  double best_cost = std::numeric_limits<double>::infinity();
  int best_iter = 0;
  bool best_conv = false;
  std::vector<double> best_start;
  std::mt19937 rng(o.seed);
  std::normal_distribution<double> gauss(0.0, std::log(10.0));
  std::uniform_real_distribution<double> unif(0.5, 1.0);
  const int starts = std::max(1, o.starts);
  ceres::Problem::Options po;
  po.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
  ceres::Problem problem(po);
  problem.AddResidualBlock(cost, nullptr, theta.data());
  for (std::size_t k = 0; k < P; ++k) {
    // Without a physical bound, keep exp(theta) inside the doubles (1e-300 .. 1e300).
    problem.SetParameterLowerBound(theta.data(), static_cast<int>(k), lo[k] > 0 ? std::log(lo[k]) : -690.0);
    problem.SetParameterUpperBound(theta.data(), static_cast<int>(k), std::isfinite(hi[k]) ? std::log(hi[k]) : 690.0);
  }
  std::vector<int> fixed_idx;
  for (std::size_t k = 0; k < P; ++k)
    if (fixed[k]) fixed_idx.push_back(static_cast<int>(k));
  if (fixed_idx.size() == P)
    problem.SetParameterBlockConstant(theta.data());
  else if (!fixed_idx.empty())
    problem.SetManifold(theta.data(), new ceres::SubsetManifold(static_cast<int>(P), fixed_idx));

  // To convergence: Ceres, Newton steps where Gauss-Newton crawls, Ceres again to confirm
  // with the same tolerances (iterations of both runs and the Newton steps counted).
  std::vector<double> theta_lo(P), theta_hi(P);
  for (std::size_t k = 0; k < P; ++k) {
    theta_lo[k] = problem.GetParameterLowerBound(theta.data(), static_cast<int>(k));
    theta_hi[k] = problem.GetParameterUpperBound(theta.data(), static_cast<int>(k));
  }
  auto solve_to_minimum = [&](const ceres::Solver::Options& opts, ceres::Solver::Summary& sum) {
    extra_iterations = 0;
    CrawlDetector crawl;
    ceres::Solver::Options first = opts;
    first.callbacks.push_back(&crawl);
    ceres::Solve(first, &problem, &sum);
    if (!crawl.stopped() || sum.termination_type == ceres::FAILURE) return;
    const int newton = newton_refine(*cost, theta, theta_lo, theta_hi, fixed);
    const auto before = sum.iterations.size();
    ceres::Solve(opts, &problem, &sum);
    extra_iterations = static_cast<int>(before) + newton;
  };

  // Stage 1: every start, briefly (a screening fit). Stage 2: the best few, to convergence.
  struct Candidate {
    double cost;
    std::vector<double> theta, start;
  };
  std::vector<Candidate> screened;
  ceres::Solver::Summary screened_summary;  // of the last screened start (used when there is one)
  ceres::Solver::Options screen = so;
  if (starts > 1) {
    screen.max_num_iterations = 40;
    screen.function_tolerance = 1e-6;
  }
  for (int st = 0; st < starts; ++st) {
    std::vector<double> p0 = start;
    if (st > 0)
      for (std::size_t k = 0; k < P; ++k) {
        if (fixed[k]) continue;
        if (is_exponent(c, k))
          p0[k] = unif(rng);
        else
          p0[k] = start[k] * std::exp(gauss(rng));
        p0[k] = std::clamp(p0[k], lo[k] > 0 ? lo[k] * (1 + 1e-9) : p0[k], hi[k] * (1 - 1e-12));
      }
    for (std::size_t k = 0; k < P; ++k) theta[k] = std::log(p0[k]);
    ceres::Solver::Summary sum;
    if (starts == 1)
      solve_to_minimum(so, sum);
    else
      ceres::Solve(screen, &problem, &sum);
    if (sum.termination_type == ceres::FAILURE || !std::isfinite(sum.final_cost)) continue;
    screened.push_back({sum.final_cost, theta, p0});
    screened_summary = sum;
  }
  std::sort(screened.begin(), screened.end(), [](const auto& a, const auto& b) { return a.cost < b.cost; });
  const std::size_t polish = starts > 1 ? std::min<std::size_t>(screened.size(), 4) : screened.size();
  for (std::size_t k = 0; k < polish; ++k) {
    theta = screened[k].theta;
    ceres::Solver::Summary sum;
    if (starts == 1) {
      sum = screened_summary;  // one start: the screening fit ran with the final options
    } else {
      solve_to_minimum(so, sum);
    }
    if (sum.termination_type == ceres::FAILURE || !std::isfinite(sum.final_cost)) continue;
    if (sum.final_cost < best_cost * (1 - 1e-9)) {
      best_cost = sum.final_cost;
      best_theta = theta;
      best_iter = static_cast<int>(sum.iterations.size()) + extra_iterations;
      best_conv = sum.termination_type == ceres::CONVERGENCE;
      best_start = screened[k].start;
    }
  }
  if (best_theta.empty()) {
    delete cost;
    throw Error(fmt::format("{}: the fit of {} failed from every start (the model gives no finite impedance)", s.source, c.text()));
  }

  if (o.order_by_time_constant) {
    std::vector<double> v(P);
    for (std::size_t k = 0; k < P; ++k) v[k] = std::exp(best_theta[k]);
    order_like_arcs(c.root(), v);
    for (std::size_t k = 0; k < P; ++k) best_theta[k] = std::log(v[k]);
  }

  FitResult r;
  r.circuit = c.text();
  r.starts = starts;
  r.iterations = best_iter;
  r.converged = best_conv;
  r.initial = best_start;
  r.fixed = fixed;
  for (const auto& q : c.parameters()) r.names.push_back(q.name), r.units.push_back(q.unit);
  r.values.resize(P);
  for (std::size_t k = 0; k < P; ++k) r.values[k] = std::exp(best_theta[k]);

  // Statistics from the Jacobian at the solution (in theta = ln p).
  std::vector<double> res(2 * N), J(2 * N * P);
  double* jp = J.data();
  const double* th = best_theta.data();
  cost->Evaluate(&th, res.data(), &jp);
  r.chi_square = 0;
  for (double x : res) r.chi_square += x * x;
  r.degrees_of_freedom = static_cast<int>(2 * N - n_free);
  r.reduced_chi_square = r.chi_square / r.degrees_of_freedom;
  Eigen::MatrixXd Jf(2 * N, n_free);
  std::vector<std::size_t> free_idx;
  for (std::size_t k = 0; k < P; ++k)
    if (!fixed[k]) free_idx.push_back(k);
  for (std::size_t i = 0; i < 2 * N; ++i)
    for (std::size_t f = 0; f < n_free; ++f) Jf(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(f)) = J[i * P + free_idx[f]];
  r.std_errors.assign(P, kNaN);
  if (n_free > 0) {
    const Eigen::MatrixXd cov = fit::covariance_from_jacobian(Jf, r.chi_square, r.degrees_of_freedom);
    r.correlation.assign(n_free, std::vector<double>(n_free, kNaN));
    for (std::size_t a = 0; a < n_free; ++a) {
      const double sa = std::sqrt(cov(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(a)));
      r.std_errors[free_idx[a]] = r.values[free_idx[a]] * sa;  // d p = p d theta
      for (std::size_t b = 0; b < n_free; ++b) {
        const double sb = std::sqrt(cov(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(b)));
        r.correlation[a][b] = cov(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) / (sa * sb);
      }
    }
  }
  delete cost;
  r.lower = lo;
  r.upper = hi;
  judge_determination(c, s, r, free_idx);
  r.freq_Hz = s.freq_Hz;
  for (std::size_t i = 0; i < N; ++i) {
    const cplx zf = c.impedance(kTwoPi * s.freq_Hz[i], r.values);
    r.z_fit.push_back(zf);
    r.residual.push_back(s.z_ohm[i] - zf);
    r.sum_squares_ohm2 += std::norm(s.z_ohm[i] - zf);
    r.pseudo_chi_square += std::norm(s.z_ohm[i] - zf) / std::norm(s.z_ohm[i]);
  }
  return r;
}

ConfidenceBand confidence_band(const Circuit& c, const FitResult& r, const std::vector<double>& freq_Hz) {
  const std::size_t P = c.size();
  std::vector<std::size_t> free_idx;
  for (std::size_t k = 0; k < P; ++k)
    if (!r.fixed[k]) free_idx.push_back(k);
  ConfidenceBand b;
  std::vector<cplx> grad(P);
  for (double f : freq_Hz) {
    const cplx z = c.impedance(kTwoPi * f, r.values, grad);
    double vre = 0, vim = 0, vabs = 0;
    for (std::size_t a = 0; a < free_idx.size(); ++a)
      for (std::size_t bb = 0; bb < free_idx.size(); ++bb) {
        const std::size_t i = free_idx[a], j = free_idx[bb];
        const double rho = a < r.correlation.size() && bb < r.correlation[a].size() ? r.correlation[a][bb] : (a == bb ? 1 : 0);
        const double cov = (std::isfinite(rho) ? rho : 0) * r.std_errors[i] * r.std_errors[j];
        if (!std::isfinite(cov)) continue;
        vre += grad[i].real() * grad[j].real() * cov;
        vim += grad[i].imag() * grad[j].imag() * cov;
        const double da = std::abs(z) > 0 ? (std::conj(z) * grad[i]).real() / std::abs(z) : 0;
        const double db = std::abs(z) > 0 ? (std::conj(z) * grad[j]).real() / std::abs(z) : 0;
        vabs += da * db * cov;
      }
    b.sigma_re_ohm.push_back(std::sqrt(std::max(vre, 0.0)));
    b.sigma_im_ohm.push_back(std::sqrt(std::max(vim, 0.0)));
    b.sigma_abs_ohm.push_back(std::sqrt(std::max(vabs, 0.0)));
  }
  return b;
}

}  // namespace castor::eis
