#include "castor/sim/simulate.h"

#include <algorithm>
#include <numeric>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include <Eigen/Sparse>
#include <fmt/format.h>
#include <ida/ida.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_klu.h>
#include <sunmatrix/sunmatrix_sparse.h>

#include "castor/core/columns.h"
#include "castor/core/error.h"
#include "castor/core/step_kind.h"

namespace castor::sim {
namespace {


struct Triplet {
  sunindextype row, col;
  double value;
};

enum class Mode { galvanostatic, potentiostatic };

// The differential-algebraic model. Unknowns, in order: for each particle group p the
// fillings y(p, 0..M-1) (centre to surface) and its faradaic current I_p (A, > 0 = charge:
// ions leave the cathode); then the cathode potential phi (V) and the cell current I (A).
class Model {
 public:
  explicit Model(const CellParameters& prm) : p_(prm) {
    P_ = prm.particles.size();
    M_ = static_cast<std::size_t>(prm.volumes);
    f_ = prm.ion_charge / prm.kT_eV();  // z e / kT, 1/V
    k0_ = prm.k0_A_m2 * prm.arrhenius(prm.k0_activation_kJ_mol);
    ch_ = prm.model == ParticleModel::cahn_hilliard;
    const double lam = prm.interface_width_nm * 1e-9;
    kappa_ = std::max(prm.omega_eV, prm.kT_eV()) * lam * lam;  // eV m^2
    // Radial mesh (in units of R): uniform, or each volume mesh_ratio times as thick as the
    // one inside it (< 1 refines toward the surface, where fronts start).
    face_.assign(M_ + 1, 0.0);
    double t = 1, total = 0;
    for (std::size_t k = 0; k < M_; ++k) total += t, t *= prm.mesh_ratio;
    t = 1 / total;
    for (std::size_t k = 0; k < M_; ++k) face_[k + 1] = face_[k] + t, t *= prm.mesh_ratio;
    face_[M_] = 1;
    shell_.resize(M_);
    for (std::size_t k = 0; k < M_; ++k) shell_[k] = std::pow(face_[k + 1], 3) - std::pow(face_[k], 3);  // volume fraction
    set_active(prm.active_fraction);
  }

  void set_active(double fraction) {
    active_ = std::clamp(fraction, 1e-6, 1.0);
    q_.assign(P_, 0);
    area_.assign(P_, 0);
    rc_.assign(P_, 0);
    g_.assign(P_, std::vector<double>(M_ > 1 ? M_ - 1 : 0, 0));
    lap_.assign(P_, std::vector<double>(M_ > 1 ? M_ - 1 : 0, 0));
    for (std::size_t q = 0; q < P_; ++q) {
      const auto& grp = p_.particles[q];
      const double mass = p_.mass_g * grp.weight * active_;
      q_[q] = mass * p_.capacity_mAh_g * 3.6;                         // C
      area_[q] = 3 * mass / (p_.density_g_cm3 * 1e6 * grp.radius_m);  // m2
      // Electronic contact of the group to the current collector (Ohm): the specific
      // contact resistance over the group's mass, times the group's share of the spread.
      rc_[q] = p_.contact_resistance_ohm_g > 0 ? p_.contact_resistance_ohm_g * contact_factor(q) / mass : 0.0;
      const double R = grp.radius_m;
      for (std::size_t k = 0; k + 1 < M_; ++k) {
        // Face k+1 between the volumes k and k+1, whose centres are d apart (units of R).
        const double rf = face_[k + 1], d = 0.5 * (face_[k + 2] - face_[k]);
        lap_[q][k] = 3 * rf * rf / (d * R * R);  // 1/m^2: face term of the Laplacian
        g_[q][k] = p_.diffusivity_m2_s * p_.arrhenius(p_.diffusivity_activation_kJ_mol) * lap_[q][k];  // 1/s, in filling units
      }
    }
  }

  // The contact spread: group q takes the lognormal quantile of its position in a
  // bit-reversed order of the groups, so that contact and size are not correlated (the
  // groups are ordered by size); the factors have median 1.
  double contact_factor(std::size_t q) const {
    if (!(p_.contact_sigma_log > 0) || P_ < 2) return 1.0;
    std::size_t bits = 0;
    while ((std::size_t{1} << bits) < P_) ++bits;
    std::size_t rank = 0, seen = 0;
    // Rank of q among the groups in bit-reversed order of their indices.
    auto reversed = [&](std::size_t v) {
      std::size_t r = 0;
      for (std::size_t b = 0; b < bits; ++b) r |= ((v >> b) & 1u) << (bits - 1 - b);
      return r;
    };
    for (std::size_t j = 0; j < P_; ++j) seen += reversed(j) < reversed(q);
    rank = seen;
    const double u = (static_cast<double>(rank) + 0.5) / static_cast<double>(P_);
    // Inverse normal CDF by bisection on erfc.
    double lo = -8, hi = 8;
    for (int it = 0; it < 100; ++it) {
      const double m = 0.5 * (lo + hi);
      (0.5 * std::erfc(-m / std::sqrt(2.0)) < u ? lo : hi) = m;
    }
    return std::exp(p_.contact_sigma_log * 0.5 * (lo + hi));
  }
  double contact_resistance_ohm(std::size_t q) const { return rc_[q]; }

  std::size_t size() const { return P_ * (M_ + 1) + 5; }
  std::size_t y(std::size_t q, std::size_t k) const { return q * (M_ + 1) + k; }
  std::size_t cur(std::size_t q) const { return q * (M_ + 1) + M_; }
  std::size_t phi() const { return P_ * (M_ + 1); }
  std::size_t icell() const { return P_ * (M_ + 1) + 1; }
  // Integrated charges (C): of the cell current and of the side reaction. Integrating
  // them with the rest of the system makes the charge balance as accurate as the solver.
  std::size_t qcell() const { return P_ * (M_ + 1) + 2; }
  std::size_t qside() const { return P_ * (M_ + 1) + 3; }
  // The faradaic charge of the particles (C): the ledger's insertion term.
  std::size_t qins() const { return P_ * (M_ + 1) + 4; }
  std::size_t groups() const { return P_; }
  // The unknown of each volume is the logit u = ln(y / (1 - y)) of its filling y, so that
  // y = 1 / (1 + exp(-u)) lies inside (0, 1) by construction: a particle that fills drives
  // its equilibrium potential (kT u / z) and its exchange current (sqrt(y (1 - y))) to their
  // limits instead of leaving the range. y and 1 - y are computed separately, so a filling
  // 1e-100 from full is still resolved.
  static double fill_of(double u) { return u >= 0 ? 1 / (1 + std::exp(-u)) : std::exp(u) / (1 + std::exp(u)); }
  static double logit(double y) { return std::log(y / (1 - y)); }
  struct Fill {
    double y, yb, w;  // y, 1 - y, dy/du = y (1 - y)
  };
  static Fill fill(double u) {
    const double y = fill_of(u), yb = fill_of(-u);
    return {y, yb, y * yb};
  }
  // Mean filling of group q, and the ions stored in all groups as charge (C).
  double group_filling(const double* x, std::size_t q) const {
    double f = 0;
    for (std::size_t k = 0; k < M_; ++k) f += shell_[k] * fill_of(x[y(q, k)]);
    return f;
  }
  double stored_charge_C(const double* x) const {
    double s = 0;
    for (std::size_t q = 0; q < P_; ++q) s += q_[q] * group_filling(x, q);
    return s;
  }
  double total_capacity_C() const {
    double total = 0;
    for (double c : q_) total += c;
    return total;
  }
  double mean_filling(const double* x) const { return stored_charge_C(x) / total_capacity_C(); }
  std::size_t volumes() const { return M_; }
  double cdl_total() const {
    double a = 0;
    for (double x : area_) a += x;
    return a * p_.double_layer_F_m2;
  }

  // Tabulated open-circuit curve: value and slope at y (linear, end slopes continued).
  std::pair<double, double> ocv_table(double y) const {
    const auto& ys = p_.ocv_filling;
    const auto& es = p_.ocv_V;
    std::size_t k = std::upper_bound(ys.begin(), ys.end(), y) - ys.begin();
    k = std::clamp<std::size_t>(k, 1, ys.size() - 1);
    const double slope = (es[k] - es[k - 1]) / (ys[k] - ys[k - 1]);
    return {es[k - 1] + slope * (y - ys[k - 1]), slope};
  }
  // Equilibrium potential at logit u, and dE/du.
  double e_eq(double u) const {
    const Fill f = fill(u);
    if (!p_.ocv_filling.empty()) return ocv_table(f.y).first;
    return p_.e0_V - (p_.kT_eV() * u + p_.omega_eV * (f.yb - f.y)) / p_.ion_charge;
  }
  double e_eq_du(double u) const {
    const Fill f = fill(u);
    if (!p_.ocv_filling.empty()) return ocv_table(f.y).second * f.w;
    return -(p_.kT_eV() - 2 * p_.omega_eV * f.w) / p_.ion_charge;
  }

  // Cahn-Hilliard chemical potential (eV) of every volume of group q:
  // mu_k = kT ln(y/(1-y)) + Omega (1 - 2y) - kappa lap(y)_k, with zero gradient at the centre
  // and at the surface; dmu[k] = d mu_k / d(u_{k-1}, u_k, u_{k+1}).
  void chemical_potential(const double* x, std::size_t q, std::vector<double>& mu, std::vector<std::array<double, 3>>& dmu) const {
    mu.resize(M_);
    dmu.resize(M_);
    for (std::size_t k = 0; k < M_; ++k) mu[k] = mu_at(x, q, k, dmu[k]);
  }
  double mu_at(const double* x, std::size_t q, std::size_t k, std::array<double, 3>& d) const {
    const double kT = p_.kT_eV(), W = p_.omega_eV;
    const Fill f = fill(x[y(q, k)]);
    double mu = kT * x[y(q, k)] + W * (f.yb - f.y);
    d = {0.0, kT - 2 * W * f.w, 0.0};
    const double sh = shell_[k];
    if (k + 1 < M_) {
      const double a = lap_[q][k] / sh;
      const Fill n = fill(x[y(q, k + 1)]);
      mu -= kappa_ * a * difference(f, n);
      d[2] -= kappa_ * a * n.w;
      d[1] += kappa_ * a * f.w;
    }
    if (k > 0) {
      const double a = lap_[q][k - 1] / sh;
      const Fill n = fill(x[y(q, k - 1)]);
      mu += kappa_ * a * difference(n, f);
      d[1] += kappa_ * a * f.w;
      d[0] -= kappa_ * a * n.w;
    }
    return mu;
  }
  // y_b - y_a, from the side (y or 1 - y) that keeps its digits.
  static double difference(const Fill& a, const Fill& b) { return a.y + b.y > 1 ? a.yb - b.yb : b.y - a.y; }
  // Equilibrium potential of group q's surface and its derivatives in the surface logit
  // and (Cahn-Hilliard: through the gradient term) the logit one volume in.
  double surface_e_eq(const double* x, std::size_t q, double& d_surface, double& d_inner) const {
    const double us = x[y(q, M_ - 1)];
    d_inner = 0;
    if (!ch_) {
      d_surface = e_eq_du(us);
      return e_eq(us);
    }
    std::array<double, 3> d;
    const double mu = mu_at(x, q, M_ - 1, d);
    d_surface = -d[1] / p_.ion_charge;
    d_inner = M_ > 1 ? -d[0] / p_.ion_charge : 0.0;
    return p_.e0_V - mu / p_.ion_charge;
  }

  // Marcus-Hush-Chidsey rate (Zeng et al. 2014) at dimensionless overpotential x, for
  // reduction; oxidation is mhc(-x).
  double mhc(double x) const {
    const double l = p_.reorganization_kT;
    return std::sqrt(std::numbers::pi * l) / (1 + std::exp(-x)) *
           std::erfc((l - std::sqrt(1 + std::sqrt(l) + x * x)) / (2 * std::sqrt(l)));
  }
  // Net anodic rate factor B(eta) and dB/deta for the chosen kinetics; BV: exp((1-a) f eta)
  // - exp(-a f eta). MHC is scaled to the BV slope at eta = 0 (f at a = 0.5 ... any a).
  void rate_factor(double eta, double& B, double& dB) const {
    const double a = p_.alpha;
    if (!p_.marcus_hush_chidsey) {
      const double ea = std::exp((1 - a) * f_ * eta), ec = std::exp(-a * f_ * eta);
      B = ea - ec;
      dB = f_ * ((1 - a) * ea + a * ec);
      return;
    }
    const double x = f_ * eta, h = 1e-5;
    auto net = [&](double u) { return mhc(-u) - mhc(u); };
    const double slope0 = (net(h) - net(-h)) / (2 * h);  // per unit x
    B = net(x) / slope0;
    dB = f_ * (net(x + h) - net(x - h)) / (2 * h) / slope0;
  }

  // Butler-Volmer current of group q at surface logit us and equilibrium potential eeq,
  // and the derivatives of the residual G = I_p - BV: in I_p, phi, us (through i0 only) and eeq.
  void bv(std::size_t q, double us, double eeq, double phi, double ip, double& G, double& dG_dI, double& dG_dphi, double& dG_dus,
          double& dG_deeq) const {
    const Fill f = fill(us);
    const double s = std::sqrt(f.w);
    const double i0 = k0_ * s, di0 = k0_ * 0.5 * (f.yb - f.y) * s;  // d sqrt(y(1-y))/du
    const double rf = p_.film_resistance_ohm_m2 / area_[q] + rc_[q];
    const double eta = phi - eeq - ip * rf;
    double B, dB;
    rate_factor(eta, B, dB);
    G = ip - area_[q] * i0 * B;
    dG_dI = 1 + area_[q] * i0 * dB * rf;
    dG_dphi = -area_[q] * i0 * dB;
    dG_dus = -area_[q] * di0 * B;
    dG_deeq = area_[q] * i0 * dB;
  }

  // Face fluxes of group q (filling units x 1/s, outward positive) and, per volume, the net
  // rate N_k at which its filling falls: dy_k/dt = -N_k. Fick, or Cahn-Hilliard with the
  // mobility y (1 - y) at the face.
  void fluxes(const double* x, std::size_t q, std::vector<double>& J, std::vector<double>& N, std::vector<double>& mu,
              std::vector<std::array<double, 3>>& dmu) const {
    J.assign(M_ > 1 ? M_ - 1 : 0, 0.0);
    N.assign(M_, 0.0);
    if (ch_) chemical_potential(x, q, mu, dmu);
    for (std::size_t f = 0; f + 1 < M_; ++f) {
      const Fill a = fill(x[y(q, f)]), b = fill(x[y(q, f + 1)]);
      if (ch_) {
        const double m = 0.5 * (a.y + b.y) * 0.5 * (a.yb + b.yb);
        J[f] = g_[q][f] * m * (mu[f] - mu[f + 1]) / p_.kT_eV();
      } else {
        J[f] = -g_[q][f] * difference(a, b);
      }
    }
    for (std::size_t k = 0; k < M_; ++k) {
      double r = 0;
      if (k + 1 < M_) r += J[k] / shell_[k];
      if (k > 0) r -= J[k - 1] / shell_[k];
      if (k + 1 == M_) r += x[cur(q)] / (q_[q] * shell_[k]);
      N[k] = r;
    }
  }

  void residual(const double* x, const double* xp, double* F) const {
    std::vector<double> mu, J, N;
    std::vector<std::array<double, 3>> dmu;
    for (std::size_t q = 0; q < P_; ++q) {
      fluxes(x, q, J, N, mu, dmu);
      // du/dt = (dy/dt) / (y (1 - y)).
      for (std::size_t k = 0; k < M_; ++k) F[y(q, k)] = xp[y(q, k)] + N[k] / fill(x[y(q, k)]).w;
      double G, a, b, c, e, di, ds;
      const double eeq = surface_e_eq(x, q, ds, di);
      bv(q, x[y(q, M_ - 1)], eeq, x[phi()], x[cur(q)], G, a, b, c, e);
      F[cur(q)] = G;
    }
    double sum = side_current(x[phi()], x[qside()]);
    for (std::size_t q = 0; q < P_; ++q) sum += x[cur(q)];
    F[phi()] = sum + cdl_total() * xp[phi()] - x[icell()];
    if (mode == Mode::galvanostatic) F[icell()] = x[icell()] - setpoint;
    else F[icell()] = x[phi()] + p_.series_resistance_ohm * x[icell()] - setpoint;
    F[qcell()] = xp[qcell()] - x[icell()];
    F[qside()] = xp[qside()] - side_current(x[phi()], x[qside()]);
    double faradaic = 0;
    for (std::size_t q = 0; q < P_; ++q) faradaic += x[cur(q)];
    F[qins()] = xp[qins()] - faradaic;
  }

  // dF/dx + cj dF/dx' as triplets. The volume rows are built as dN_k/dy_j (the rates in
  // filling units) and turned into logit rows: F_k = u_k' + N_k / w_k, so dF_k/du_j =
  // (dN_k/dy_j) w_j / w_k, plus -N_k (1 - 2 y_k) / w_k on the diagonal from d(1/w_k)/du_k.
  void jacobian(const double* x, double cj, std::vector<Triplet>& t) const {
    t.clear();
    const auto I = [](std::size_t v) { return static_cast<sunindextype>(v); };
    std::vector<double> mu, J, N;
    std::vector<std::array<double, 3>> dmu;
    std::vector<Fill> fl(M_);
    for (std::size_t q = 0; q < P_; ++q) {
      fluxes(x, q, J, N, mu, dmu);
      for (std::size_t k = 0; k < M_; ++k) fl[k] = fill(x[y(q, k)]);
      const std::size_t first = t.size();
      // Rows of the volumes. Fick: dN_k/dy_j (per filling), turned into per logit below;
      // Cahn-Hilliard: dN_k/du_j directly (dmu is per logit), after the loop below.
      std::vector<Triplet> per_logit;
      if (ch_) {
        // dJ_f/du_j for j = f-1 .. f+2 (dmu is already per logit), spread onto N_f (+1/shell_f)
        // and N_{f+1} (-1/shell_{f+1}).
        for (std::size_t f = 0; f + 1 < M_; ++f) {
          const Fill& a = fl[f];
          const Fill& b = fl[f + 1];
          const double ym = 0.5 * (a.y + b.y), ybm = 0.5 * (a.yb + b.yb), m = ym * ybm, dm = ybm - ym;  // dm/dy_mean
          const double c = g_[q][f] / p_.kT_eV(), dmuv = mu[f] - mu[f + 1];
          double d[4] = {0, 0, 0, 0};  // per logit of columns f-1 .. f+2
          d[1] += c * 0.5 * dm * a.w * dmuv;
          d[2] += c * 0.5 * dm * b.w * dmuv;
          for (int o = 0; o < 3; ++o) d[o] += c * m * dmu[f][static_cast<std::size_t>(o)];
          for (int o = 0; o < 3; ++o) d[o + 1] -= c * m * dmu[f + 1][static_cast<std::size_t>(o)];
          for (int o = 0; o < 4; ++o) {
            const long j = static_cast<long>(f) - 1 + o;
            if (j < 0 || j >= static_cast<long>(M_)) continue;  // zeros kept: a fixed sparsity pattern
            per_logit.push_back({I(y(q, f)), I(y(q, static_cast<std::size_t>(j))), d[o] / shell_[f]});
            per_logit.push_back({I(y(q, f + 1)), I(y(q, static_cast<std::size_t>(j))), -d[o] / shell_[f + 1]});
          }
        }
      } else {
        for (std::size_t k = 0; k < M_; ++k) {
          double diag = 0;
          if (k + 1 < M_) {
            diag += g_[q][k] / shell_[k];
            t.push_back({I(y(q, k)), I(y(q, k + 1)), -g_[q][k] / shell_[k]});
          }
          if (k > 0) {
            diag += g_[q][k - 1] / shell_[k];
            t.push_back({I(y(q, k)), I(y(q, k - 1)), -g_[q][k - 1] / shell_[k]});
          }
          t.push_back({I(y(q, k)), I(y(q, k)), diag});
        }
      }
      t.push_back({I(y(q, M_ - 1)), I(cur(q)), 1 / (q_[q] * shell_[M_ - 1])});
      const std::size_t base = y(q, 0);
      for (std::size_t e = first; e < t.size(); ++e) {
        const std::size_t row = static_cast<std::size_t>(t[e].row) - base;
        const std::size_t col = static_cast<std::size_t>(t[e].col);
        t[e].value /= fl[row].w;
        if (col != cur(q)) t[e].value *= fl[col - base].w;
      }
      for (auto e : per_logit) {
        e.value /= fl[static_cast<std::size_t>(e.row) - base].w;
        t.push_back(e);
      }
      for (std::size_t k = 0; k < M_; ++k)
        t.push_back({I(y(q, k)), I(y(q, k)), cj - N[k] * (fl[k].yb - fl[k].y) / fl[k].w});
      double G, dI, dphi, dus, deeq, ds, din;
      const double eeq = surface_e_eq(x, q, ds, din);
      bv(q, x[y(q, M_ - 1)], eeq, x[phi()], x[cur(q)], G, dI, dphi, dus, deeq);
      t.push_back({I(cur(q)), I(cur(q)), dI});
      t.push_back({I(cur(q)), I(phi()), dphi});
      t.push_back({I(cur(q)), I(y(q, M_ - 1)), dus + deeq * ds});
      if (ch_ && M_ > 1) t.push_back({I(cur(q)), I(y(q, M_ - 2)), deeq * din});
      t.push_back({I(phi()), I(cur(q)), 1.0});
      t.push_back({I(qins()), I(cur(q)), -1.0});
    }
    t.push_back({I(phi()), I(phi()), cj * cdl_total() + side_current_dphi(x[phi()], x[qside()])});
    t.push_back({I(phi()), I(qside()), side_current_dq(x[phi()], x[qside()])});
    t.push_back({I(phi()), I(icell()), -1.0});
    if (mode == Mode::galvanostatic) {
      t.push_back({I(icell()), I(icell()), 1.0});
    } else {
      t.push_back({I(icell()), I(phi()), 1.0});
      t.push_back({I(icell()), I(icell()), p_.series_resistance_ohm});
    }
    t.push_back({I(qcell()), I(qcell()), cj});
    t.push_back({I(qcell()), I(icell()), -1.0});
    t.push_back({I(qside()), I(qside()), cj});
    t.push_back({I(qside()), I(phi()), -side_current_dphi(x[phi()], x[qside()])});
    t.push_back({I(qside()), I(qside()), -side_current_dq(x[phi()], x[qside()])});
    t.push_back({I(qins()), I(qins()), cj});
  }

  // Faradaic current of group q at cathode potential phi for the fillings in x (film
  // resistance makes it implicit).
  double group_current(std::size_t q, const double* x, double phi) const {
    double ds, di;
    const double eeq = surface_e_eq(x, q, ds, di), ys = x[y(q, M_ - 1)];
    double ip = 0;
    for (int it = 0; it < 200; ++it) {
      double G, dI, a, b, c;
      bv(q, ys, eeq, phi, ip, G, dI, a, b, c);
      const double step = G / dI;
      ip -= step;
      if (std::fabs(step) <= 1e-14 * (1 + std::fabs(ip))) return ip;
    }
    throw Error(fmt::format("simulator: the current of the {:.4g} nm particles at {:.4g} V did not converge (film resistance "
                            "{} Ohm cm2)",
                            p_.particles[q].radius_m * 1e9, phi, p_.film_resistance_ohm_m2 * 1e4));
  }
  // Side reaction (cathodic, Tafel) and its derivative in phi.
  // Side reaction: electrolyte reduction at the cathode (cathodic only, Tafel), slowed by
  // the film it deposits: the rate falls as 1 / (1 + Q / Q_pass) with Q the side charge
  // passed so far (a film that grows with Q and that ions cross by diffusion, the parabolic
  // growth law of SEI films), q_side < 0 being that charge.
  double passivation(double q_side) const {
    return side_pass_C > 0 ? 1 / (1 + std::max(-q_side, 0.0) / side_pass_C) : 1.0;
  }
  double side_current(double phi, double q_side) const {
    if (side_scale_A <= 0) return 0;
    return -side_scale_A * std::exp(-(phi - p_.side_e0_V) / p_.side_tafel_V) * passivation(q_side);
  }
  double side_current_dphi(double phi, double q_side) const {
    return side_scale_A > 0 ? -side_current(phi, q_side) / p_.side_tafel_V : 0.0;
  }
  double side_current_dq(double phi, double q_side) const {
    if (side_scale_A <= 0 || side_pass_C <= 0 || q_side >= 0) return 0.0;
    // d/dq of 1/(1 + (-q)/Qp) = 1/Qp / (1 + (-q)/Qp)^2
    const double pf = passivation(q_side);
    return -side_scale_A * std::exp(-(phi - p_.side_e0_V) / p_.side_tafel_V) * pf * pf / side_pass_C;
  }
  double total_current(const double* x, double phi) const {
    double s = side_current(phi, x[qside()]);
    for (std::size_t q = 0; q < P_; ++q) s += group_current(q, x, phi);
    return s;
  }
  // Sets phi, the group currents and (potentiostatic) the cell current so that the
  // algebraic equations hold for the present fillings; the double layer is taken as
  // uncharged at the start of a step. Bisection: the faradaic current rises with phi.
  void consistent_algebraics(double* x) const {
    auto solve_phi = [&](double target) {
      double lo = x[phi()] - 0.05, hi = x[phi()] + 0.05;
      for (int k = 0; k < 60 && total_current(x, lo) > target; ++k) lo -= 0.1 * (k + 1);
      for (int k = 0; k < 60 && total_current(x, hi) < target; ++k) hi += 0.1 * (k + 1);
      if (!(total_current(x, lo) <= target && total_current(x, hi) >= target))
        throw Error(fmt::format("simulator: no cathode potential passes {:.4g} A with the cathode {:.4g} % filled", target,
                                100 * mean_filling(x)));
      for (int it = 0; it < 200 && hi - lo > 1e-13; ++it) {
        const double m = 0.5 * (lo + hi);
        (total_current(x, m) < target ? lo : hi) = m;
      }
      return 0.5 * (lo + hi);
    };
    if (mode == Mode::galvanostatic) {
      x[icell()] = setpoint;
      // With a double layer, phi is a state: it stays where it is and the double layer
      // takes the difference (phi' = (I - sum I_p) / C, set by the caller).
      if (!(cdl_total() > 0)) x[phi()] = solve_phi(setpoint);
    } else {
      // phi + Rs I = V and I = total(phi): bisection on phi.
      const double rs = p_.series_resistance_ohm;
      double lo = setpoint - 3, hi = setpoint + 3;
      if (!(lo + rs * total_current(x, lo) <= setpoint && hi + rs * total_current(x, hi) >= setpoint))
        throw Error(fmt::format("simulator: no cathode potential within 3 V of {:.4g} V holds the working electrode there", setpoint));
      for (int it = 0; it < 200 && hi - lo > 1e-13; ++it) {
        const double m = 0.5 * (lo + hi);
        (m + rs * total_current(x, m) < setpoint ? lo : hi) = m;
      }
      x[phi()] = 0.5 * (lo + hi);
      x[icell()] = total_current(x, x[phi()]);
    }
    for (std::size_t q = 0; q < P_; ++q) x[cur(q)] = group_current(q, x, x[phi()]);
  }

  const CellParameters& params() const { return p_; }
  Mode mode = Mode::galvanostatic;
  double setpoint = 0;  // A (galvanostatic) or V (potentiostatic, working electrode vs reference)
  double sweep_rate = 0;  // V/s added to the potentiostatic setpoint (sweeps)
  double sweep_t0 = 0, sweep_v0 = 0;
  double side_scale_A = 0;  // present side-reaction prefactor (decays per cycle)
  double side_pass_C = 0;   // side charge that halves the side reaction's rate (0: no passivation)

 private:
  const CellParameters& p_;
  std::size_t P_ = 0, M_ = 1;
  double f_ = 0, active_ = 1, kappa_ = 0, k0_ = 0;
  bool ch_ = false;
  std::vector<double> shell_, q_, area_, face_, rc_;
  std::vector<std::vector<double>> g_, lap_;
};

struct Ctx {
  std::string solver_message;  // IDA's last error message
  Model* model = nullptr;
  std::vector<Triplet> trip;
  // The CSC pattern of the last Jacobian and, for each triplet in the order the model
  // writes them, its value slot: while the pattern stays the same (the usual case) a new
  // Jacobian is scattered into place without sorting.
  std::vector<std::pair<sunindextype, sunindextype>> pattern;
  std::vector<sunindextype> slot, csc_ptr, csc_idx;
  // Root functions of the current step.
  std::optional<double> v_limit;
  std::optional<double> i_limit;
  double rs = 0;
  // The working electrode's potential window (V): a forced current that drives the
  // potential beyond it (the cathode full or empty, nothing else to take the current) ends
  // the step with an error, not with an unphysical state.
  double window_lo = 0, window_hi = 0;
};

// Beyond this |logit| (y within 1e-304 of a bound) the state is not representable.
constexpr double kMaxLogit = 700;
// The cathode's potential window around its E0 (V).
constexpr double kWindowV = 3.0;


void ida_message(int, const char*, const char* function, char* msg, void* data) {
  static_cast<Ctx*>(data)->solver_message = fmt::format("{}: {}", function, msg);
}

int residual_fn(sunrealtype t, N_Vector x, N_Vector xp, N_Vector F, void* data) {
  auto* c = static_cast<Ctx*>(data);
  // A Newton iterate beyond representable fillings: a recoverable error (IDA cuts the step).
  const double* v = N_VGetArrayPointer(x);
  for (std::size_t q = 0; q < c->model->groups(); ++q)
    for (std::size_t k = 0; k < c->model->volumes(); ++k)
      if (!(std::fabs(v[c->model->y(q, k)]) < kMaxLogit)) return 1;
  if (c->model->mode == Mode::potentiostatic && c->model->sweep_rate != 0)
    c->model->setpoint = c->model->sweep_v0 + c->model->sweep_rate * (t - c->model->sweep_t0);
  c->model->residual(N_VGetArrayPointer(x), N_VGetArrayPointer(xp), N_VGetArrayPointer(F));
  return 0;
}

int jacobian_fn(sunrealtype, sunrealtype cj, N_Vector x, N_Vector, N_Vector, SUNMatrix J, void* data, N_Vector, N_Vector,
                N_Vector) {
  auto* c = static_cast<Ctx*>(data);
  c->model->jacobian(N_VGetArrayPointer(x), cj, c->trip);
  const auto& t = c->trip;
  const auto n = SUNSparseMatrix_Columns(J);
  bool same = t.size() == c->pattern.size();
  for (std::size_t k = 0; same && k < t.size(); ++k) same = t[k].row == c->pattern[k].first && t[k].col == c->pattern[k].second;
  if (!same) {
    // New pattern: sort the triplets by column and row, merge duplicates, remember the slots.
    std::vector<std::size_t> order(t.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return t[a].col != t[b].col ? t[a].col < t[b].col : t[a].row < t[b].row; });
    c->pattern.resize(t.size());
    c->slot.assign(t.size(), 0);
    c->csc_ptr.assign(static_cast<std::size_t>(n) + 1, 0);
    c->csc_idx.clear();
    std::size_t k = 0;
    for (sunindextype col = 0; col < n; ++col) {
      c->csc_ptr[static_cast<std::size_t>(col)] = static_cast<sunindextype>(c->csc_idx.size());
      while (k < order.size() && t[order[k]].col == col) {
        const auto& e = t[order[k]];
        if (c->csc_idx.size() > static_cast<std::size_t>(c->csc_ptr[static_cast<std::size_t>(col)]) && c->csc_idx.back() == e.row) {
          c->slot[order[k]] = static_cast<sunindextype>(c->csc_idx.size() - 1);
        } else {
          c->slot[order[k]] = static_cast<sunindextype>(c->csc_idx.size());
          c->csc_idx.push_back(e.row);
        }
        ++k;
      }
    }
    c->csc_ptr[static_cast<std::size_t>(n)] = static_cast<sunindextype>(c->csc_idx.size());
    for (std::size_t q = 0; q < t.size(); ++q) c->pattern[q] = {t[q].row, t[q].col};
  }
  const auto nnz = static_cast<sunindextype>(c->csc_idx.size());
  if (nnz > SUNSparseMatrix_NNZ(J)) SUNSparseMatrix_Reallocate(J, nnz);
  sunindextype* ptr = SUNSparseMatrix_IndexPointers(J);
  sunindextype* idx = SUNSparseMatrix_IndexValues(J);
  sunrealtype* val = SUNSparseMatrix_Data(J);
  std::copy(c->csc_ptr.begin(), c->csc_ptr.end(), ptr);
  std::copy(c->csc_idx.begin(), c->csc_idx.end(), idx);
  std::fill(val, val + nnz, 0.0);
  for (std::size_t q = 0; q < t.size(); ++q) val[c->slot[q]] += t[q].value;
  return 0;
}

int root_fn(sunrealtype, N_Vector x, N_Vector, sunrealtype* g, void* data) {
  auto* c = static_cast<Ctx*>(data);
  const double* v = N_VGetArrayPointer(x);
  const double vwe = v[c->model->phi()] + c->rs * v[c->model->icell()];
  int k = 0;
  if (c->v_limit) g[k++] = vwe - *c->v_limit;
  if (c->i_limit) g[k++] = std::fabs(v[c->model->icell()]) - *c->i_limit;
  g[k++] = v[c->model->phi()] - c->window_lo;
  g[k++] = c->window_hi - v[c->model->phi()];
  return 0;
}

void check(int flag, const char* what) {
  if (flag < 0) throw Error(fmt::format("simulator: {} failed (SUNDIALS flag {})", what, flag));
}

}  // namespace

JacobianCheck check_jacobian(const CellParameters& prm, const std::vector<double>& fillings, double phi_V, double current_A,
                             bool potentiostatic, double side_charge_C) {
  Model model(prm);
  const std::size_t n = model.size();
  std::vector<double> x(n, 0.0), xp(n, 0.0);
  std::size_t next = 0;
  for (std::size_t q = 0; q < model.groups(); ++q)
    for (std::size_t k = 0; k < model.volumes(); ++k) x[model.y(q, k)] = Model::logit(fillings.at(next++ % fillings.size()));
  model.side_scale_A = prm.side_i0_A_g * prm.arrhenius(prm.side_activation_kJ_mol) * prm.mass_g;
  model.side_pass_C = prm.side_passivation_mAh_g * prm.mass_g * 3.6;
  x[model.phi()] = phi_V;
  x[model.qside()] = side_charge_C;
  model.mode = potentiostatic ? Mode::potentiostatic : Mode::galvanostatic;
  model.setpoint = potentiostatic ? phi_V : current_A;
  for (std::size_t q = 0; q < model.groups(); ++q) x[model.cur(q)] = model.group_current(q, x.data(), phi_V);
  x[model.icell()] = current_A;
  // Dense analytic dF/dx (cj = 0) and mass matrix (cj = 1 minus cj = 0).
  std::vector<Triplet> t0, t1;
  model.jacobian(x.data(), 0.0, t0);
  model.jacobian(x.data(), 1.0, t1);
  std::vector<double> A(n * n, 0.0), Mm(n * n, 0.0);
  for (const auto& e : t0) A[static_cast<std::size_t>(e.row) * n + static_cast<std::size_t>(e.col)] += e.value;
  for (const auto& e : t1) Mm[static_cast<std::size_t>(e.row) * n + static_cast<std::size_t>(e.col)] += e.value;
  for (std::size_t k = 0; k < n * n; ++k) Mm[k] -= A[k];
  JacobianCheck out;
  std::vector<double> Fp(n), Fm(n);
  for (std::size_t j = 0; j < n; ++j) {
    for (int which = 0; which < 2; ++which) {
      std::vector<double>& v = which == 0 ? x : xp;
      const double h = 1e-6 * std::max(1.0, std::fabs(v[j]));
      const double keep = v[j];
      v[j] = keep + h;
      model.residual(x.data(), xp.data(), Fp.data());
      v[j] = keep - h;
      model.residual(x.data(), xp.data(), Fm.data());
      v[j] = keep;
      for (std::size_t i = 0; i < n; ++i) {
        const double fd = (Fp[i] - Fm[i]) / (2 * h);
        const double an = (which == 0 ? A : Mm)[i * n + j];
        // Relative to the row's scale (its largest analytic entry).
        double scale = 0;
        for (std::size_t c = 0; c < n; ++c) scale = std::max({scale, std::fabs(A[i * n + c]), std::fabs(Mm[i * n + c])});
        const double err = std::fabs(fd - an) / std::max(scale, 1e-300);
        if (err > out.max_relative_error) {
          out.max_relative_error = err;
          out.row = i, out.column = j;
          out.analytic = an, out.finite_difference = fd;
        }
      }
    }
  }
  return out;
}

double anode_overpotential_V(const CellParameters& p, double current_A) {
  const double i = current_A / p.anode_area_m2, k0 = p.anode_k0_A_m2 * p.arrhenius(p.anode_activation_kJ_mol), a = p.anode_alpha;
  const double f = p.ion_charge / p.kT_eV();
  // The plating barrier and the film's ohmic drop, beyond the charge transfer.
  const double barrier = i < 0 ? -p.anode_plating_overpotential_V * (1 - std::exp(i / (0.01 * k0))) : 0.0;
  const double extra = barrier + i * p.anode_resistance_ohm_m2;
  // Newton on i = k0 (exp((1-a) f eta) - exp(-a f eta)), from the Tafel estimate.
  // The residual rises monotonically with eta: Newton steps limited to 50 mV, then
  // bisection on the bracket found, so the answer is converged or an error.
  double eta = 0;
  auto r_of = [&](double e) { return k0 * (std::exp((1 - a) * f * e) - std::exp(-a * f * e)) - i; };
  for (int it = 0; it < 400; ++it) {
    const double ea = std::exp((1 - a) * f * eta), ec = std::exp(-a * f * eta);
    const double r = k0 * (ea - ec) - i, d = k0 * f * ((1 - a) * ea + a * ec);
    const double step = r / d;
    eta -= std::clamp(step, -0.05, 0.05);
    if (std::fabs(step) < 1e-12 * (1 + std::fabs(eta))) return eta + extra;
  }
  double lo = -20, hi = 20;
  if (!(r_of(lo) < 0 && r_of(hi) > 0))
    throw Error(fmt::format("simulator: the anode cannot pass {:.4g} A (k0 {} A/m2, alpha {}): its overpotential is beyond 20 V",
                            current_A, k0, a));
  for (int it = 0; it < 200 && hi - lo > 1e-12; ++it) {
    const double m = 0.5 * (lo + hi);
    (r_of(m) < 0 ? lo : hi) = m;
  }
  return 0.5 * (lo + hi) + extra;
}

SimulationResult simulate(const CellParameters& prm, const std::vector<ProtocolStep>& protocol, const SimulationOptions& o) {
  validate(prm, prm.name.empty() ? "parameters" : prm.name);
  Model model(prm);
  const std::size_t n = model.size();
  SUNContext sun = nullptr;
  check(SUNContext_Create(nullptr, &sun), "SUNContext_Create");
  N_Vector x = N_VNew_Serial(static_cast<sunindextype>(n), sun), xp = N_VNew_Serial(static_cast<sunindextype>(n), sun);
  N_Vector id = N_VNew_Serial(static_cast<sunindextype>(n), sun);
  double* xv = N_VGetArrayPointer(x);
  double* xpv = N_VGetArrayPointer(xp);
  double* idv = N_VGetArrayPointer(id);
  for (std::size_t k = 0; k < n; ++k) xv[k] = xpv[k] = 0, idv[k] = 0;
  for (std::size_t q = 0; q < model.groups(); ++q)
    for (std::size_t k = 0; k < model.volumes(); ++k) xv[model.y(q, k)] = Model::logit(prm.initial_filling), idv[model.y(q, k)] = 1;
  if (model.cdl_total() > 0) idv[model.phi()] = 1;
  idv[model.qcell()] = idv[model.qside()] = idv[model.qins()] = 1;
  xv[model.phi()] = model.e_eq(Model::logit(prm.initial_filling));
  void* ida = IDACreate(sun);
  Ctx ctx;
  ctx.model = &model;
  ctx.rs = prm.series_resistance_ohm;
  ctx.window_lo = prm.e0_V - kWindowV;
  ctx.window_hi = prm.e0_V + kWindowV;
  SUNMatrix J = SUNSparseMatrix(static_cast<sunindextype>(n), static_cast<sunindextype>(n),
                                static_cast<sunindextype>(8 * n), CSC_MAT, sun);
  SUNLinearSolver LS = SUNLinSol_KLU(x, J, sun);
  struct Cleanup {
    void*& ida;
    SUNLinearSolver& ls;
    SUNMatrix& J;
    N_Vector &x, &xp, &id;
    SUNContext& sun;
    ~Cleanup() {
      IDAFree(&ida);
      SUNLinSolFree(ls);
      SUNMatDestroy(J);
      N_VDestroy(x), N_VDestroy(xp), N_VDestroy(id);
      SUNContext_Free(&sun);
    }
  } cleanup{ida, LS, J, x, xp, id, sun};
  check(IDAInit(ida, residual_fn, 0.0, x, xp), "IDAInit");
  check(IDASetUserData(ida, &ctx), "IDASetUserData");
  // Absolute tolerances in each unknown's own scale: atol for the logits and volts, atol
  // times the 1 C current for currents, times the capacity for charges (a 1e-9 A floor on
  // microampere currents would be a loose 1e-3 relative).
  N_Vector atol_v = N_VNew_Serial(static_cast<sunindextype>(n), sun);
  {
    double* a = N_VGetArrayPointer(atol_v);
    const double q_total = std::max(model.total_capacity_C(), 1e-30), i_1c = q_total / 3600;
    for (std::size_t k = 0; k < n; ++k) a[k] = o.atol;
    for (std::size_t q = 0; q < model.groups(); ++q) a[model.cur(q)] = o.atol * i_1c;
    a[model.icell()] = o.atol * i_1c;
    a[model.qcell()] = a[model.qside()] = a[model.qins()] = o.atol * q_total;
  }
  const int tol_flag = IDASVtolerances(ida, o.rtol, atol_v);
  N_VDestroy(atol_v);
  check(tol_flag, "IDASVtolerances");
  check(IDASetLinearSolver(ida, LS, J), "IDASetLinearSolver");
  check(IDASetJacFn(ida, jacobian_fn), "IDASetJacFn");
  check(IDASetId(ida, id), "IDASetId");
  // The error test watches every unknown, the algebraic ones too: with them left out, the
  // predictor's potential can pass the corrector unchecked (a 5 mV excursion seen on
  // Cahn-Hilliard particles), and the potential is what the experiment measures.
  check(IDASetSuppressAlg(ida, SUNFALSE), "IDASetSuppressAlg");
  check(IDASetMaxNumSteps(ida, 20000), "IDASetMaxNumSteps");
  // IDA's own messages go into the error castor raises, not onto stderr.
  check(IDASetErrHandlerFn(ida, ida_message, &ctx), "IDASetErrHandlerFn");

  // Output columns.
  std::vector<double> T, V, I, ECE, CYC, STEP, KIND, VCELL, FILL;
  std::vector<std::vector<double>> groups(o.record_fillings ? model.groups() : 0);
  std::vector<std::vector<double>> surfaces(o.record_fillings ? model.groups() : 0);
  SimulationResult res;
  int cycle = 1;
  bool charged_since = false, discharged_since = false;
  double t = 0;
  double active = prm.active_fraction;
  model.side_scale_A = prm.side_i0_A_g * prm.arrhenius(prm.side_activation_kJ_mol) * prm.mass_g;
  model.side_pass_C = prm.side_passivation_mAh_g * prm.mass_g * 3.6;
  auto record = [&](std::size_t step, StepKind kind) {
    const double icell = xv[model.icell()];
    const double vwe = xv[model.phi()] + prm.series_resistance_ohm * icell;
    const double ece = anode_overpotential_V(prm, -icell);
    T.push_back(t), V.push_back(vwe), I.push_back(icell), ECE.push_back(ece), CYC.push_back(cycle);
    STEP.push_back(static_cast<double>(step + 1)), KIND.push_back(static_cast<double>(kind)), VCELL.push_back(vwe - ece);
    for (std::size_t q = 0; q < groups.size(); ++q)
      groups[q].push_back(model.group_filling(xv, q)), surfaces[q].push_back(Model::fill_of(xv[model.y(q, model.volumes() - 1)]));
    FILL.push_back(model.mean_filling(xv));
    res.charge_passed_C = xv[model.qcell()];
    res.side_charge_C = xv[model.qside()];
  };
  const double stored0 = model.stored_charge_C(xv);
  const double mass_total = prm.mass_g;
  const double cap_total_C = prm.mass_g * prm.capacity_mAh_g * 3.6;
  // A step limited only by a voltage or a current ends with an error when it has not
  // reached it after ten times the time the current takes to fill or empty the whole
  // cathode (at least a day): the limit is out of reach.
  auto unlimited_bound_s = [&](double current_A) { return std::max(86400.0, 10 * cap_total_C / current_A); };
  auto amps = [&](const Amount& a, const ProtocolStep& s) {
    if (a.unit == "A") return a.value;
    if (a.unit == "A/g") return a.value * mass_total;
    if (a.unit == "A/m2") return a.value * prm.anode_area_m2;
    if (a.unit == "C") return a.value * cap_total_C / 3600.0;
    throw Error(fmt::format("protocol step '{}': unknown current unit {}", s.text, a.unit));
  };

  for (std::size_t si = 0; si < protocol.size(); ++si) {
    const auto& s = protocol[si];
    const double step_t0 = t;
    StepKind kind = StepKind::rest;
    ctx.v_limit.reset();
    ctx.i_limit.reset();
    model.sweep_rate = 0;
    double t_end = t + (s.duration_s ? *s.duration_s : 0.0);
    switch (s.type) {
      case StepType::discharge:
      case StepType::charge: {
        const double a = std::fabs(amps(*s.current, s));
        model.mode = Mode::galvanostatic;
        model.setpoint = s.type == StepType::charge ? a : -a;
        kind = s.type == StepType::charge ? StepKind::cc_charge : StepKind::cc_discharge;
        // Material wired in or cut off takes its ions with it: not a current, but in the ledger.
        auto set_active = [&](double fraction) {
          const double before = model.stored_charge_C(xv);
          active = std::clamp(fraction, 1e-3, 1.0);
          model.set_active(active);
          const double jump = model.stored_charge_C(xv) - before;
          (jump < 0 ? res.ledger.trapped_C : res.ledger.activated_C) += std::fabs(jump);
        };
        if (s.type == StepType::discharge && charged_since) {
          ++cycle;
          charged_since = false;
          // Between cycles: activation of new material (halving from cycle to cycle).
          model.side_scale_A = prm.side_i0_A_g * prm.arrhenius(prm.side_activation_kJ_mol) * prm.mass_g * std::pow(prm.side_decay_per_cycle, cycle - 1);
          if (prm.activation_per_cycle != 0) set_active(active + prm.activation_per_cycle * std::pow(0.5, cycle - 2));
        }
        // After a discharge: a share of the material, Ca-rich as the discharge left it,
        // turns inert and keeps its ions (the paper: Ca-rich NTP becomes inert).
        if (s.type == StepType::charge && discharged_since && prm.trapping_per_cycle != 0) set_active(active - prm.trapping_per_cycle);
        if (s.type == StepType::charge) charged_since = true, discharged_since = false;
        if (s.type == StepType::discharge) discharged_since = true;
        ctx.v_limit = s.until_voltage_V;
        // A cell-voltage limit is the working electrode's limit shifted by the anode's
        // overpotential, which is fixed at a constant current.
        if (s.until_voltage_V && s.limit_on_cell_voltage) ctx.v_limit = *s.until_voltage_V + anode_overpotential_V(prm, -model.setpoint);
        if (!s.duration_s) t_end = t + unlimited_bound_s(a);
        break;
      }
      case StepType::rest:
        model.mode = Mode::galvanostatic;
        model.setpoint = 0;
        break;
      case StepType::hold:
        model.mode = Mode::potentiostatic;
        model.setpoint = *s.voltage_V;
        kind = StepKind::cccv_charge;
        if (s.until_current) ctx.i_limit = std::fabs(amps(*s.until_current, s));
        if (!s.duration_s) t_end = t + unlimited_bound_s(*ctx.i_limit);
        break;
      case StepType::sweep: {
        model.mode = Mode::potentiostatic;
        const double v0 = *s.voltage_V, v1 = *s.sweep_to_V;
        model.sweep_v0 = v0;
        model.sweep_t0 = t;
        model.sweep_rate = (v1 > v0 ? 1 : -1) * *s.sweep_rate_V_s;
        model.setpoint = v0;
        kind = StepKind::sweep;
        t_end = t + std::fabs(v1 - v0) / *s.sweep_rate_V_s;
        break;
      }
      case StepType::impedance: {
        // Linearise at the present state with the cell current held: (j w M + K) dx = e dI.
        model.mode = Mode::galvanostatic;
        model.setpoint = xv[model.icell()];
        model.consistent_algebraics(xv);
        std::vector<Triplet> k0, k1;
        model.jacobian(xv, 0.0, k0);
        model.jacobian(xv, 1.0, k1);
        using C = std::complex<double>;
        std::vector<Eigen::Triplet<C>> trip;
        for (const auto& e : k0) trip.emplace_back(e.row, e.col, C(e.value, 0));
        SimulatedSpectrum sp;
        sp.after_step = si;
        const double lo = std::min(s.f_start_Hz, s.f_end_Hz), hi = std::max(s.f_start_Hz, s.f_end_Hz);
        const int n_f = std::max(2, static_cast<int>(std::lround(std::log10(hi / lo) * s.points_per_decade)) + 1);
        Eigen::SparseMatrix<C> A(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
        Eigen::SparseLU<Eigen::SparseMatrix<C>> lu;
        Eigen::VectorXcd b = Eigen::VectorXcd::Zero(static_cast<Eigen::Index>(n));
        b(static_cast<Eigen::Index>(model.icell())) = 1.0;
        for (int k = 0; k < n_f; ++k) {
          const double f = s.f_start_Hz * std::pow(s.f_end_Hz / s.f_start_Hz, static_cast<double>(k) / (n_f - 1));
          const double w = 2 * std::numbers::pi * f;
          std::vector<Eigen::Triplet<C>> all = trip;
          for (std::size_t e = 0; e < k1.size(); ++e) {
            // k1 - k0 is the mass matrix M (entries of dF/dx'), listed in the same order.
            const double m = k1[e].value - k0[e].value;
            if (m != 0) all.emplace_back(k1[e].row, k1[e].col, C(0, w * m));
          }
          A.setFromTriplets(all.begin(), all.end());
          if (k == 0) lu.analyzePattern(A);
          lu.factorize(A);
          if (lu.info() != Eigen::Success)
            throw Error(fmt::format("simulator: step {} '{}': the linearised system is singular at {} Hz", si + 1, s.text, f));
          const Eigen::VectorXcd dx = lu.solve(b);
          sp.freq_Hz.push_back(f);
          sp.z_ohm.push_back(dx(static_cast<Eigen::Index>(model.phi())) + prm.series_resistance_ohm * dx(static_cast<Eigen::Index>(model.icell())));
        }
        res.spectra.push_back(std::move(sp));
        if (o.progress) o.progress(si, protocol.size(), t);
        continue;
      }
    }
    // Consistent start of the step: the algebraic unknowns are solved for the new setpoint
    // (consistent_algebraics), and the rates of the fillings follow from the residual
    // (dF/du' = 1 for them); the double layer starts with phi' = 0.
    const double phi_before = xv[model.phi()];
    model.consistent_algebraics(xv);
    // A potential step charges the double layer at once (a spike no record shows).
    res.ledger.double_layer_jumps_C += model.cdl_total() * (xv[model.phi()] - phi_before);
    {
      std::vector<double> F(n);
      for (std::size_t k = 0; k < n; ++k) xpv[k] = 0;
      model.residual(xv, xpv, F.data());
      for (std::size_t q = 0; q < model.groups(); ++q)
        for (std::size_t k = 0; k < model.volumes(); ++k) xpv[model.y(q, k)] = -F[model.y(q, k)];
      xpv[model.qcell()] = -F[model.qcell()];
      xpv[model.qside()] = -F[model.qside()];
      xpv[model.qins()] = -F[model.qins()];
      if (model.cdl_total() > 0 && model.mode == Mode::galvanostatic) xpv[model.phi()] = -F[model.phi()] / model.cdl_total();
    }
    const double phi_start = xv[model.phi()], q_start = xv[model.qcell()], ins_start = xv[model.qins()];
    check(IDAReInit(ida, t, x, xp), "IDAReInit");
    const int nroots = (ctx.v_limit ? 1 : 0) + (ctx.i_limit ? 1 : 0) + 2;
    check(IDARootInit(ida, nroots, root_fn), "IDARootInit");
    check(IDASetStopTime(ida, t_end), "IDASetStopTime");
    const double vwe0 = xv[model.phi()] + prm.series_resistance_ohm * xv[model.icell()];
    auto where = [&] {
      const double vwe = xv[model.phi()] + prm.series_resistance_ohm * xv[model.icell()];
      const double icell = xv[model.icell()];
      const double side = model.side_current(xv[model.phi()], xv[model.qside()]);
      return fmt::format("at t = {:.6g} s the working electrode is at {:.4g} V, the cathode {:.4g} % filled{}", t, vwe,
                         100 * model.mean_filling(xv),
                         icell != 0 && std::fabs(side) > 1e-3 * std::fabs(icell)
                             ? fmt::format(", the side reaction takes {:.3g} % of the current", 100 * std::fabs(side / icell))
                             : "");
    };
    // Limits already passed at the start end the step at once.
    bool done = false;
    if (ctx.v_limit && ((model.setpoint < 0 && vwe0 <= *ctx.v_limit) || (model.setpoint > 0 && vwe0 >= *ctx.v_limit))) done = true;
    if (ctx.i_limit && std::fabs(xv[model.icell()]) <= *ctx.i_limit) done = true;
    if (!(xv[model.phi()] > ctx.window_lo && xv[model.phi()] < ctx.window_hi))
      throw Error(fmt::format("simulator: step {} '{}' cannot start: {}, outside the cathode's window E0 +- {} V", si + 1, s.text,
                              where(), kWindowV));
    record(si, kind);
    long steps = 0;
    while (!done) {
      double tret = t;
      const int flag = IDASolve(ida, t_end, &tret, x, xp, IDA_ONE_STEP);
      if (flag < 0)
        throw Error(fmt::format("simulator: step {} '{}' failed at t = {:.6g} s (IDA flag {}): {}", si + 1, s.text, tret,
                                flag,
                                (flag == IDA_CONV_FAIL || flag == IDA_ERR_FAIL
                                     ? std::string("the solver could not converge (a limit out of reach, or the cell is exhausted)")
                                     : std::string("solver error")) +
                                    (ctx.solver_message.empty() ? "" : " [" + ctx.solver_message + "]")));
      t = tret;
      record(si, kind);
      ++steps;
      ++res.solver_steps;
      if (flag == IDA_ROOT_RETURN) {
        std::vector<int> info(static_cast<std::size_t>(nroots), 0);
        check(IDAGetRootInfo(ida, info.data()), "IDAGetRootInfo");
        if (info[static_cast<std::size_t>(nroots - 2)] != 0 || info[static_cast<std::size_t>(nroots - 1)] != 0) {
          const bool low = xv[model.phi()] <= ctx.window_lo + 1e-9;
          const double fill_now = model.mean_filling(xv);
          const std::string why = low && fill_now > 0.99    ? "the cathode is full"
                                  : !low && fill_now < 0.01 ? "the cathode is empty"
                                                            : "the kinetics cannot pass this current at any potential";
          throw Error(fmt::format("simulator: step {} '{}': {}{}: {}, beyond E0 {} {} V, and nothing else takes the current", si + 1,
                                  s.text, why, ctx.v_limit ? fmt::format(" before {:.4g} V", *ctx.v_limit) : "", where(),
                                  low ? "-" : "+", kWindowV));
        }
        done = true;
      }
      if (flag == IDA_TSTOP_RETURN || t >= t_end) {
        if (!s.duration_s && s.type != StepType::sweep)
          throw Error(fmt::format("simulator: step {} '{}' did not reach its limit in {:.4g} h (ten times the time this current "
                                  "takes to fill or empty the whole cathode): {}",
                                  si + 1, s.text, (t_end - step_t0) / 3600, where()));
        done = true;
      }
      if (steps > o.max_solver_steps_per_step)
        throw Error(fmt::format("simulator: step {} '{}' needed more than {} solver steps: stopped", si + 1, s.text,
                                o.max_solver_steps_per_step));
      if (res.solver_steps > o.max_solver_steps)
        throw Error(fmt::format("simulator: the run needed more than {} solver steps (at step {} '{}'): stopped", o.max_solver_steps,
                                si + 1, s.text));
    }
    res.ledger.double_layer_C += model.cdl_total() * (xv[model.phi()] - phi_start);
    res.ledger.throughput_C += std::max(std::fabs(xv[model.qcell()] - q_start), std::fabs(xv[model.qins()] - ins_start));
    if (o.progress) o.progress(si, protocol.size(), t);
  }
  res.stored_change_C = stored0 - model.stored_charge_C(xv);
  // The charge ledger: what passed through the cell went into the particles, the side
  // reaction or the double layer; the fillings must account for the insertion term.
  auto& L = res.ledger;
  L.passed_C = xv[model.qcell()];
  L.insertion_C = xv[model.qins()];
  L.side_C = xv[model.qside()];
  L.insertion_from_fillings_C = res.stored_change_C - L.trapped_C + L.activated_C;
  L.scale_C = std::max({L.throughput_C, std::fabs(L.side_C), 1e-3 * cap_total_C});
  L.imbalance = (L.passed_C - L.insertion_C - L.side_C - L.double_layer_C) / L.scale_C;
  L.fillings_imbalance = (L.insertion_C - L.insertion_from_fillings_C) / L.scale_C;
  if (!(std::fabs(L.imbalance) <= o.ledger_tolerance) || !(std::fabs(L.fillings_imbalance) <= o.fillings_tolerance))
    throw Error(fmt::format("simulator: the charge ledger does not balance: passed {:.9g} C = insertion {:.9g} C + side "
                            "{:.9g} C + double layer {:.9g} C leaves {:.3g} (relative to the {:.6g} C that moved); the fillings account for {:.9g} C of "
                            "the insertion ({:.3g} relative); tolerances {:.1g} and {:.1g}: tighten --rtol",
                            L.passed_C, L.insertion_C, L.side_C, L.double_layer_C, L.imbalance, L.scale_C, L.insertion_from_fillings_C,
                            L.fillings_imbalance, o.ledger_tolerance, o.fillings_tolerance));
  Table& tab = res.table;
  tab.meta.source_file = "simulation:" + prm.name;
  tab.meta.format = "castor-simulation";
  tab.meta.instrument = "castor simulator (SUNDIALS IDA + KLU)";
  tab.meta.active_mass_g = prm.mass_g;
  tab.meta.technique = "simulation";
  tab.add(col::time_s, "s", "simulated", ColumnRole::Common, std::move(T));
  tab.add(col::voltage_V, "V", "working electrode vs reference", ColumnRole::Common, std::move(V));
  tab.add(col::current_A, "A", "simulated", ColumnRole::Common, std::move(I));
  tab.add(col::counter_voltage_V, "V", "anode overpotential vs reference", ColumnRole::Common, std::move(ECE));
  tab.add(col::cycle, "", "simulated", ColumnRole::Common, std::move(CYC));
  tab.add(col::step, "", "protocol step", ColumnRole::Common, std::move(STEP));
  tab.add(col::step_kind, "", "protocol step", ColumnRole::Common, std::move(KIND));
  tab.add("cell_voltage_V", "V", "two-electrode", ColumnRole::Raw, std::move(VCELL));
  tab.add("filling", "", "mean ion filling of the active material", ColumnRole::Raw, std::move(FILL));
  for (std::size_t q = 0; q < groups.size(); ++q) {
    tab.add(fmt::format("filling_r{:.4g}nm", prm.particles[q].radius_m * 1e9), "", "mean filling of one particle group",
            ColumnRole::Raw, std::move(groups[q]));
    tab.add(fmt::format("surface_filling_r{:.4g}nm", prm.particles[q].radius_m * 1e9), "", "filling of the outer volume",
            ColumnRole::Raw, std::move(surfaces[q]));
  }
  return res;
}

}  // namespace castor::sim
