// The cell model's equations (internal): the unknowns, the residual F(x, x') of the
// differential-algebraic system and its analytic Jacobian, the consistent start of a step.
// simulate.cpp drives it with SUNDIALS IDA, linear_response.cpp linearises it, jacobian_check.cpp
// tests it. Parts: particles (homogeneous, Fick or Cahn-Hilliard volumes, logit unknowns),
// kinetics (Butler-Volmer or Marcus-Hush-Chidsey, film and contact resistances), the
// passivating side reaction, the double layer, the cell current's control.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <sundials/sundials_types.h>

#include "castor/core/error.h"
#include "castor/core/constants.h"
#include "castor/sim/detail/normal_quantile.h"
#include "castor/sim/parameters.h"

namespace castor::sim::detail {

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
    // Fluxes in the form -(D/kT) y (1 - y) grad(mu): Cahn-Hilliard, and Fick's law with the
    // regular solution's thermodynamic factor 1 - 2 Omega y (1 - y) / kT (mu without the
    // gradient term). With an open-circuit table, or Omega = 0, plain Fick's law.
    ch_ = prm.model == ParticleModel::cahn_hilliard ||
          (prm.model == ParticleModel::diffusion && prm.ocv_filling.empty() && prm.omega_eV != 0);
    const double lam = prm.interface_width_nm * 1e-9;
    kappa_ = prm.model == ParticleModel::cahn_hilliard ? std::max(prm.omega_eV, prm.kT_eV()) * lam * lam : 0.0;  // eV m^2
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
        lap_[q][k] = 3 * rf * rf / (d * R * R);                                                        // 1/m^2: face term of the Laplacian
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
    auto reversed = [&](std::size_t v) {
      std::size_t r = 0;
      for (std::size_t b = 0; b < bits; ++b) r |= ((v >> b) & 1u) << (bits - 1 - b);
      return r;
    };
    // Rank of q among the groups in bit-reversed order of their indices.
    std::size_t rank = 0;
    for (std::size_t j = 0; j < P_; ++j) rank += reversed(j) < reversed(q);
    const double u = (static_cast<double>(rank) + 0.5) / static_cast<double>(P_);
    return std::exp(p_.contact_sigma_log * normal_quantile(u));
  }
  double contact_resistance_ohm(std::size_t q) const { return rc_[q]; }

  std::size_t size() const { return P_ * (M_ + 1) + 7; }
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
  // The potential drop across the cathode's SEI film (V; 0 without a film): the film is a
  // resistance R_SEI, growing with the side charge, in parallel with its capacitance, in
  // series between the electrode and the particles' double layer (the paper's
  // mid-frequency arc).
  std::size_t psi() const { return P_ * (M_ + 1) + 5; }
  bool sei() const { return p_.sei_resistance_ohm > 0; }
  // Ca2+ supply from the electrolyte: the surface concentration over the bulk's, s, of a
  // quasi-steady diffusion layer at the electrode, s = 1 + I_faradaic / I_lim (insertion on
  // discharge, I < 0, depletes it; extraction enriches it), with the limiting current
  // I_lim = z F D c A / delta. It enters each reaction's equilibrium potential as
  // (kT / z e) ln s: insertion is hindered more than extraction, and no more than I_lim can
  // be inserted. 1 without electrolyte transport.
  std::size_t conc() const { return P_ * (M_ + 1) + 6; }
  double limiting_current_A() const {
    return p_.electrolyte_diffusivity_m2_s > 0 ? p_.ion_charge * constants::faraday_C_mol * p_.electrolyte_diffusivity_m2_s *
                                                     p_.electrolyte_concentration_mol_m3 * p_.anode_area_m2 / p_.diffusion_layer_m
                                               : 0.0;
  }
  bool electrolyte() const { return limiting_current_A() > 0; }
  double sei_resistance(double q_side) const {
    return p_.sei_resistance_ohm + p_.sei_growth_ohm_per_mAh_g * std::max(-q_side, 0.0) / (3.6 * p_.mass_g);
  }
  double sei_resistance_dq(double q_side) const { return q_side < 0 ? -p_.sei_growth_ohm_per_mAh_g / (3.6 * p_.mass_g) : 0.0; }
  double sei_capacitance() const { return p_.sei_capacitance_F; }
  // The working electrode's potential against the reference.
  double electrode_potential(const double* x) const { return x[phi()] + x[psi()] + p_.series_resistance_ohm * x[icell()]; }
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
    // fill_of(u) and fill_of(-u) from one exponential (the same operations, so the same bits).
    const double e = std::exp(-std::fabs(u)), big = 1 / (1 + e), small = e / (1 + e);
    const double y = u >= 0 ? big : small, yb = u >= 0 ? small : big;
    return {y, yb, y * yb};
  }
  // The fillings of group q's volumes, each computed once per residual or Jacobian.
  void fills(const double* x, std::size_t q, std::vector<Fill>& fl) const {
    fl.resize(M_);
    for (std::size_t k = 0; k < M_; ++k) fl[k] = fill(x[y(q, k)]);
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
  void chemical_potential(const double* x, std::size_t q, const std::vector<Fill>& fl, std::vector<double>& mu,
                          std::vector<std::array<double, 3>>& dmu) const {
    mu.resize(M_);
    dmu.resize(M_);
    const Fill none{0, 0, 0};
    for (std::size_t k = 0; k < M_; ++k) mu[k] = mu_at(x, q, k, k > 0 ? fl[k - 1] : none, fl[k], k + 1 < M_ ? fl[k + 1] : none, dmu[k]);
  }
  double mu_at(const double* x, std::size_t q, std::size_t k, std::array<double, 3>& d) const {
    const Fill none{0, 0, 0};
    return mu_at(x, q, k, k > 0 ? fill(x[y(q, k - 1)]) : none, fill(x[y(q, k)]), k + 1 < M_ ? fill(x[y(q, k + 1)]) : none, d);
  }
  // From the fillings of volumes k-1, k and k+1 of group q (the outer ones unread at the ends).
  double mu_at(const double* x, std::size_t q, std::size_t k, const Fill& before, const Fill& f, const Fill& after,
               std::array<double, 3>& d) const {
    const double kT = p_.kT_eV(), W = p_.omega_eV;
    double mu = kT * x[y(q, k)] + W * (f.yb - f.y);
    d = {0.0, kT - 2 * W * f.w, 0.0};
    const double sh = shell_[k];
    if (k + 1 < M_) {
      const double a = lap_[q][k] / sh;
      const Fill& n = after;
      mu -= kappa_ * a * difference(f, n);
      d[2] -= kappa_ * a * n.w;
      d[1] += kappa_ * a * f.w;
    }
    if (k > 0) {
      const double a = lap_[q][k - 1] / sh;
      const Fill& n = before;
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
    return std::sqrt(std::numbers::pi * l) / (1 + std::exp(-x)) * std::erfc((l - std::sqrt(1 + std::sqrt(l) + x * x)) / (2 * std::sqrt(l)));
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
          double& dG_deeq, double conc_ratio = 1.0) const {
    const Fill f = fill(us);
    const double s = std::sqrt(f.w);
    const double i0 = k0_ * s, di0 = k0_ * 0.5 * (f.yb - f.y) * s;  // d sqrt(y(1-y))/du
    const double rf = p_.film_resistance_ohm_m2 / area_[q] + rc_[q];
    const double eta = phi - eeq - ip * rf - (conc_ratio != 1.0 ? std::log(conc_ratio) / f_ : 0.0);
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
  // fl: the fillings of group q (fills()).
  void fluxes(const double* x, std::size_t q, const std::vector<Fill>& fl, std::vector<double>& J, std::vector<double>& N,
              std::vector<double>& mu, std::vector<std::array<double, 3>>& dmu) const {
    J.assign(M_ > 1 ? M_ - 1 : 0, 0.0);
    N.assign(M_, 0.0);
    if (ch_) chemical_potential(x, q, fl, mu, dmu);
    for (std::size_t f = 0; f + 1 < M_; ++f) {
      const Fill& a = fl[f];
      const Fill& b = fl[f + 1];
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
    auto& [mu, J, N, dmu, fl, per_logit] = scratch_;
    for (std::size_t q = 0; q < P_; ++q) {
      fills(x, q, fl);
      fluxes(x, q, fl, J, N, mu, dmu);
      // du/dt = (dy/dt) / (y (1 - y)).
      for (std::size_t k = 0; k < M_; ++k) F[y(q, k)] = xp[y(q, k)] + N[k] / fl[k].w;
      double G, a, b, c, e, di, ds;
      const double eeq = surface_e_eq(x, q, ds, di);
      bv(q, x[y(q, M_ - 1)], eeq, x[phi()], x[cur(q)], G, a, b, c, e, x[conc()]);
      F[cur(q)] = G;
    }
    double sum = side_current(x[phi()], x[qside()]);
    for (std::size_t q = 0; q < P_; ++q) sum += x[cur(q)];
    F[phi()] = sum + cdl_total() * xp[phi()] - x[icell()];
    if (mode == Mode::galvanostatic)
      F[icell()] = x[icell()] - setpoint;
    else
      F[icell()] = electrode_potential(x) - setpoint;
    {
      double faradaic_total = 0;
      for (std::size_t q = 0; q < P_; ++q) faradaic_total += x[cur(q)];
      F[conc()] = electrolyte() ? x[conc()] - 1 - faradaic_total / limiting_current_A() : x[conc()] - 1;
    }
    // The film: I = psi / R_SEI + C_SEI psi' (or psi = 0 without one).
    F[psi()] = sei() ? x[psi()] / sei_resistance(x[qside()]) - x[icell()] + sei_capacitance() * xp[psi()] : x[psi()];
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
    auto& [mu, J, N, dmu, fl, per_logit] = scratch_;
    for (std::size_t q = 0; q < P_; ++q) {
      fills(x, q, fl);
      fluxes(x, q, fl, J, N, mu, dmu);
      const std::size_t first = t.size();
      // Rows of the volumes. Fick: dN_k/dy_j (per filling), turned into per logit below;
      // Cahn-Hilliard: dN_k/du_j directly (dmu is per logit), after the loop below.
      per_logit.clear();
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
      for (std::size_t k = 0; k < M_; ++k) t.push_back({I(y(q, k)), I(y(q, k)), cj - N[k] * (fl[k].yb - fl[k].y) / fl[k].w});
      double G, dI, dphi, dus, deeq, ds, din;
      const double eeq = surface_e_eq(x, q, ds, din);
      bv(q, x[y(q, M_ - 1)], eeq, x[phi()], x[cur(q)], G, dI, dphi, dus, deeq, x[conc()]);
      // d eta / d s = -1 / (f s), so dG/ds = dG/deeq / (f s) (G depends on eta only through B).
      if (electrolyte()) t.push_back({I(cur(q)), I(conc()), deeq / (f_ * x[conc()])});
      if (electrolyte()) t.push_back({I(conc()), I(cur(q)), -1 / limiting_current_A()});
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
      t.push_back({I(icell()), I(psi()), 1.0});
      t.push_back({I(icell()), I(icell()), p_.series_resistance_ohm});
    }
    if (sei()) {
      const double R = sei_resistance(x[qside()]);
      t.push_back({I(psi()), I(psi()), 1 / R + cj * sei_capacitance()});
      t.push_back({I(psi()), I(icell()), -1.0});
      t.push_back({I(psi()), I(qside()), -x[psi()] * sei_resistance_dq(x[qside()]) / (R * R)});
    } else {
      t.push_back({I(psi()), I(psi()), 1.0});
    }
    t.push_back({I(qcell()), I(qcell()), cj});
    t.push_back({I(qcell()), I(icell()), -1.0});
    t.push_back({I(qside()), I(qside()), cj});
    t.push_back({I(qside()), I(phi()), -side_current_dphi(x[phi()], x[qside()])});
    t.push_back({I(qside()), I(qside()), -side_current_dq(x[phi()], x[qside()])});
    t.push_back({I(qins()), I(qins()), cj});
    t.push_back({I(conc()), I(conc()), 1.0});
  }

  // Faradaic current of group q at cathode potential phi for the fillings in x (film
  // resistance makes it implicit).
  double group_current(std::size_t q, const double* x, double phi) const {
    double ds, di;
    const double eeq = surface_e_eq(x, q, ds, di), ys = x[y(q, M_ - 1)];
    // G(ip) rises with ip. Its root lies between 0 (where eta is the whole driving force)
    // and the current whose drop through the film and contact takes all of it (eta = 0,
    // G = ip): Newton kept inside that bracket, bisection where a step leaves it (far
    // from equilibrium the exponentials make bare Newton overshoot).
    double G, dI, a, b, c;
    bv(q, ys, eeq, phi, 0.0, G, dI, a, b, c, x[conc()]);
    const double rf = p_.film_resistance_ohm_m2 / area_[q] + rc_[q];
    if (!(rf > 0)) return -G;  // explicit: ip = A i0 B(eta)
    const double eta0 = phi - eeq - (x[conc()] != 1.0 ? std::log(x[conc()]) / f_ : 0.0);
    double lo = std::min(0.0, eta0 / rf), hi = std::max(0.0, eta0 / rf);
    double ip = std::clamp(-G, lo, hi);
    for (int it = 0; it < 400; ++it) {
      bv(q, ys, eeq, phi, ip, G, dI, a, b, c, x[conc()]);
      if (G == 0) return ip;
      (G > 0 ? hi : lo) = ip;
      double next = ip - G / dI;
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      const double step = next - ip;
      ip = next;
      if (std::fabs(step) <= 1e-14 * (1 + std::fabs(ip)) || hi - lo <= 1e-15 * (1 + std::fabs(ip))) return ip;
    }
    throw Error(
        fmt::format("simulator: the current of the {:.4g} nm particles at {:.4g} V did not converge (film resistance "
                    "{} Ohm cm2)",
                    p_.particles[q].radius_m * 1e9, phi, p_.film_resistance_ohm_m2 * 1e4));
  }
  // Side reaction (cathodic, Tafel) and its derivative in phi.
  // Side reaction: electrolyte reduction at the cathode (cathodic only, Tafel), slowed by
  // the film it deposits: the rate falls as 1 / (1 + Q / Q_pass) with Q the side charge
  // passed so far (a film that grows with Q and that ions cross by diffusion, the parabolic
  // growth law of SEI films), q_side < 0 being that charge.
  double passivation(double q_side) const { return side_pass_C > 0 ? 1 / (1 + std::max(-q_side, 0.0) / side_pass_C) : 1.0; }
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
    if (!electrolyte()) {
      x[conc()] = 1;
      consistent_at_concentration(x);
      return;
    }
    // The surface concentration follows the currents it sets: fixed point, damped.
    for (int it = 0; it < 200; ++it) {
      consistent_at_concentration(x);
      double total = 0;
      for (std::size_t q = 0; q < P_; ++q) total += x[cur(q)];
      const double next = 1 + total / limiting_current_A();
      if (!(next > 0))
        throw Error(
            fmt::format("simulator: the electrolyte cannot supply {:.4g} A (limiting current {:.4g} A)", -total, limiting_current_A()));
      if (std::fabs(next - x[conc()]) < 1e-13) return;
      x[conc()] = 0.5 * (x[conc()] + next);
    }
    throw Error("simulator: the electrolyte's surface concentration did not converge at the start of a step");
  }
  void consistent_at_concentration(double* x) const {
    auto solve_phi = [&](double target) {
      double lo = x[phi()] - 0.05, hi = x[phi()] + 0.05;
      for (int k = 0; k < 60 && total_current(x, lo) > target; ++k) lo -= 0.1 * (k + 1);
      for (int k = 0; k < 60 && total_current(x, hi) < target; ++k) hi += 0.1 * (k + 1);
      if (!(total_current(x, lo) <= target && total_current(x, hi) >= target))
        throw Error(
            fmt::format("simulator: no cathode potential passes {:.4g} A with the cathode {:.4g} % filled", target, 100 * mean_filling(x)));
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
      // The film's drop psi is a state (its capacitance holds it across the step change).
      const double rs = p_.series_resistance_ohm, target = setpoint - x[psi()];
      double lo = target - 3, hi = target + 3;
      if (!(lo + rs * total_current(x, lo) <= target && hi + rs * total_current(x, hi) >= target))
        throw Error(fmt::format("simulator: no cathode potential within 3 V of {:.4g} V holds the working electrode there", setpoint));
      for (int it = 0; it < 200 && hi - lo > 1e-13; ++it) {
        const double m = 0.5 * (lo + hi);
        (m + rs * total_current(x, m) < target ? lo : hi) = m;
      }
      x[phi()] = 0.5 * (lo + hi);
      x[icell()] = total_current(x, x[phi()]);
    }
    for (std::size_t q = 0; q < P_; ++q) x[cur(q)] = group_current(q, x, x[phi()]);
  }

  const CellParameters& params() const { return p_; }
  Mode mode = Mode::galvanostatic;
  double setpoint = 0;    // A (galvanostatic) or V (potentiostatic, working electrode vs reference)
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
  // Work space of residual() and jacobian() (one Model per simulation, used by one thread).
  struct Scratch {
    std::vector<double> mu, J, N;
    std::vector<std::array<double, 3>> dmu;
    std::vector<Fill> fl;
    std::vector<Triplet> per_logit;
  };
  mutable Scratch scratch_;
};

}  // namespace castor::sim::detail
