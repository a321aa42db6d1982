#include "castor/sim/simulate.h"

#include <algorithm>
#include <numeric>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

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
    g_.assign(P_, std::vector<double>(M_ > 1 ? M_ - 1 : 0, 0));
    lap_.assign(P_, std::vector<double>(M_ > 1 ? M_ - 1 : 0, 0));
    for (std::size_t q = 0; q < P_; ++q) {
      const auto& grp = p_.particles[q];
      const double mass = p_.mass_g * grp.weight * active_;
      q_[q] = mass * p_.capacity_mAh_g * 3.6;                         // C
      area_[q] = 3 * mass / (p_.density_g_cm3 * 1e6 * grp.radius_m);  // m2
      const double R = grp.radius_m;
      for (std::size_t k = 0; k + 1 < M_; ++k) {
        // Face k+1 between the volumes k and k+1, whose centres are d apart (units of R).
        const double rf = face_[k + 1], d = 0.5 * (face_[k + 2] - face_[k]);
        lap_[q][k] = 3 * rf * rf / (d * R * R);  // 1/m^2: face term of the Laplacian
        g_[q][k] = p_.diffusivity_m2_s * lap_[q][k];  // 1/s, in filling units
      }
    }
  }

  std::size_t size() const { return P_ * (M_ + 1) + 4; }
  std::size_t y(std::size_t q, std::size_t k) const { return q * (M_ + 1) + k; }
  std::size_t cur(std::size_t q) const { return q * (M_ + 1) + M_; }
  std::size_t phi() const { return P_ * (M_ + 1); }
  std::size_t icell() const { return P_ * (M_ + 1) + 1; }
  // Integrated charges (C): of the cell current and of the side reaction. Integrating
  // them with the rest of the system makes the charge balance as accurate as the solver.
  std::size_t qcell() const { return P_ * (M_ + 1) + 2; }
  std::size_t qside() const { return P_ * (M_ + 1) + 3; }
  std::size_t groups() const { return P_; }
  // Mean filling of group q, and the ions stored in all groups as charge (C).
  double group_filling(const double* x, std::size_t q) const {
    double f = 0;
    for (std::size_t k = 0; k < M_; ++k) f += shell_[k] * x[y(q, k)];
    return f;
  }
  double stored_charge_C(const double* x) const {
    double s = 0;
    for (std::size_t q = 0; q < P_; ++q) s += q_[q] * group_filling(x, q);
    return s;
  }
  double mean_filling(const double* x) const {
    double total = 0;
    for (double c : q_) total += c;
    return stored_charge_C(x) / total;
  }
  std::size_t volumes() const { return M_; }
  double cdl_total() const {
    double a = 0;
    for (double x : area_) a += x;
    return a * p_.double_layer_F_m2;
  }

  // Fillings are kept inside (0, 1) by a smooth clamp (width 1e-12), so that a hold or a
  // sweep that asks for more than a particle holds drives its exchange current to zero
  // instead of the filling out of range.
  static double clamp_y(double y, double& d) {
    constexpr double e = 1e-12;
    const double sl = std::sqrt(y * y + e * e);
    const double a = 0.5 * (y + sl), da = 0.5 * (1 + y / sl);
    const double u = 1 - a, su = std::sqrt(u * u + e * e);
    const double b = 1 - 0.5 * (u + su), db = 0.5 * (1 + u / su);
    d = da * db;
    return std::clamp(b, 0.5 * e, 1 - 0.5 * e);
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
  double e_eq(double yv) const {
    double d;
    const double yy = clamp_y(yv, d);
    if (!p_.ocv_filling.empty()) return ocv_table(yy).first;
    return p_.e0_V - (p_.kT_eV() * std::log(yy / (1 - yy)) + p_.omega_eV * (1 - 2 * yy)) / p_.ion_charge;
  }
  // dE_eq/dy at the clamped filling, times the clamp's own derivative.
  double e_eq_dy(double yv) const {
    double d;
    const double yy = clamp_y(yv, d);
    if (!p_.ocv_filling.empty()) return ocv_table(yy).second * d;
    return -(p_.kT_eV() / (yy * (1 - yy)) - 2 * p_.omega_eV) / p_.ion_charge * d;
  }

  // Cahn-Hilliard chemical potential (eV) of every volume of group q:
  // mu_k = kT ln(y/(1-y)) + Omega (1 - 2y) - kappa lap(y)_k, with zero gradient at the centre
  // and at the surface; dmu[k] = d mu_k / d(y_{k-1}, y_k, y_{k+1}).
  void chemical_potential(const double* x, std::size_t q, std::vector<double>& mu, std::vector<std::array<double, 3>>& dmu) const {
    mu.resize(M_);
    dmu.resize(M_);
    for (std::size_t k = 0; k < M_; ++k) mu[k] = mu_at(x, q, k, dmu[k]);
  }
  double mu_at(const double* x, std::size_t q, std::size_t k, std::array<double, 3>& d) const {
    const double kT = p_.kT_eV(), W = p_.omega_eV;
    double dc;
    const double yy = clamp_y(x[y(q, k)], dc);
    double mu = kT * std::log(yy / (1 - yy)) + W * (1 - 2 * yy);
    d = {0.0, (kT / (yy * (1 - yy)) - 2 * W) * dc, 0.0};
    const double sh = shell_[k];
    if (k + 1 < M_) {
      const double a = lap_[q][k] / sh;
      mu -= kappa_ * a * (x[y(q, k + 1)] - x[y(q, k)]);
      d[2] -= kappa_ * a;
      d[1] += kappa_ * a;
    }
    if (k > 0) {
      const double a = lap_[q][k - 1] / sh;
      mu += kappa_ * a * (x[y(q, k)] - x[y(q, k - 1)]);
      d[1] += kappa_ * a;
      d[0] -= kappa_ * a;
    }
    return mu;
  }
  // Equilibrium potential of group q's surface and its derivatives in the surface filling
  // and (Cahn-Hilliard: through the gradient term) the filling one volume in.
  double surface_e_eq(const double* x, std::size_t q, double& d_surface, double& d_inner) const {
    const double ys = x[y(q, M_ - 1)];
    d_inner = 0;
    if (!ch_) {
      d_surface = e_eq_dy(ys);
      return e_eq(ys);
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

  // Butler-Volmer current of group q at surface filling ys and equilibrium potential eeq,
  // and the derivatives of the residual G = I_p - BV: in I_p, phi, ys (through i0 only) and eeq.
  void bv(std::size_t q, double ys, double eeq, double phi, double ip, double& G, double& dG_dI, double& dG_dphi, double& dG_dys,
          double& dG_deeq) const {
    double dclamp;
    const double yy = clamp_y(ys, dclamp);
    const double s = std::sqrt(yy * (1 - yy));
    const double i0 = p_.k0_A_m2 * s, di0 = p_.k0_A_m2 * (1 - 2 * yy) / (2 * s) * dclamp;
    const double rf = p_.film_resistance_ohm_m2 / area_[q];
    const double eta = phi - eeq - ip * rf;
    double B, dB;
    rate_factor(eta, B, dB);
    G = ip - area_[q] * i0 * B;
    dG_dI = 1 + area_[q] * i0 * dB * rf;
    dG_dphi = -area_[q] * i0 * dB;
    dG_dys = -area_[q] * di0 * B;
    dG_deeq = area_[q] * i0 * dB;
  }

  void residual(const double* x, const double* xp, double* F) const {
    std::vector<double> mu, J(M_ > 1 ? M_ - 1 : 0);
    std::vector<std::array<double, 3>> dmu;
    for (std::size_t q = 0; q < P_; ++q) {
      // Face fluxes (filling units x 1/s, outward positive): Fick, or Cahn-Hilliard with the
      // mobility y (1 - y) at the face.
      if (ch_) chemical_potential(x, q, mu, dmu);
      for (std::size_t f = 0; f + 1 < M_; ++f) {
        if (ch_) {
          double d0, d1;
          const double yb = 0.5 * (clamp_y(x[y(q, f)], d0) + clamp_y(x[y(q, f + 1)], d1));
          J[f] = g_[q][f] * yb * (1 - yb) * (mu[f] - mu[f + 1]) / p_.kT_eV();
        } else {
          J[f] = g_[q][f] * (x[y(q, f)] - x[y(q, f + 1)]);
        }
      }
      for (std::size_t k = 0; k < M_; ++k) {
        double r = xp[y(q, k)];
        if (k + 1 < M_) r += J[k] / shell_[k];
        if (k > 0) r -= J[k - 1] / shell_[k];
        if (k + 1 == M_) r += x[cur(q)] / (q_[q] * shell_[k]);
        F[y(q, k)] = r;
      }
      double G, a, b, c, e, di, ds;
      const double eeq = surface_e_eq(x, q, ds, di);
      bv(q, x[y(q, M_ - 1)], eeq, x[phi()], x[cur(q)], G, a, b, c, e);
      F[cur(q)] = G;
    }
    double sum = side_current(x[phi()]);
    for (std::size_t q = 0; q < P_; ++q) sum += x[cur(q)];
    F[phi()] = sum + cdl_total() * xp[phi()] - x[icell()];
    if (mode == Mode::galvanostatic) F[icell()] = x[icell()] - setpoint;
    else F[icell()] = x[phi()] + p_.series_resistance_ohm * x[icell()] - setpoint;
    F[qcell()] = xp[qcell()] - x[icell()];
    F[qside()] = xp[qside()] - side_current(x[phi()]);
  }

  // dF/dx + cj dF/dx' as triplets.
  void jacobian(const double* x, double cj, std::vector<Triplet>& t) const {
    t.clear();
    const auto I = [](std::size_t v) { return static_cast<sunindextype>(v); };
    std::vector<double> mu;
    std::vector<std::array<double, 3>> dmu;
    for (std::size_t q = 0; q < P_; ++q) {
      if (ch_) {
        // dJ_f/dy_j for j = f-1 .. f+2, spread onto F_f (+1/shell_f) and F_{f+1} (-1/shell_{f+1}).
        chemical_potential(x, q, mu, dmu);
        for (std::size_t k = 0; k < M_; ++k) t.push_back({I(y(q, k)), I(y(q, k)), cj});
        for (std::size_t f = 0; f + 1 < M_; ++f) {
          double d0, d1;
          const double y0 = clamp_y(x[y(q, f)], d0), y1 = clamp_y(x[y(q, f + 1)], d1);
          const double yb = 0.5 * (y0 + y1), m = yb * (1 - yb), dm = 1 - 2 * yb;
          const double c = g_[q][f] / p_.kT_eV(), dmuv = mu[f] - mu[f + 1];
          // Contributions by column j (as offsets -1..+2 from f).
          double d[4] = {0, 0, 0, 0};
          d[1] += c * 0.5 * dm * d0 * dmuv;
          d[2] += c * 0.5 * dm * d1 * dmuv;
          for (int o = 0; o < 3; ++o) d[o] += c * m * dmu[f][static_cast<std::size_t>(o)];          // mu_f: y_{f-1}, y_f, y_{f+1}
          for (int o = 0; o < 3; ++o) d[o + 1] -= c * m * dmu[f + 1][static_cast<std::size_t>(o)];  // mu_{f+1}: y_f .. y_{f+2}
          for (int o = 0; o < 4; ++o) {
            const long j = static_cast<long>(f) - 1 + o;
            if (j < 0 || j >= static_cast<long>(M_)) continue;  // zeros kept: a fixed sparsity pattern
            t.push_back({I(y(q, f)), I(y(q, static_cast<std::size_t>(j))), d[o] / shell_[f]});
            t.push_back({I(y(q, f + 1)), I(y(q, static_cast<std::size_t>(j))), -d[o] / shell_[f + 1]});
          }
        }
        t.push_back({I(y(q, M_ - 1)), I(cur(q)), 1 / (q_[q] * shell_[M_ - 1])});
      } else {
        for (std::size_t k = 0; k < M_; ++k) {
          double diag = cj;
          if (k + 1 < M_) {
            diag += g_[q][k] / shell_[k];
            t.push_back({I(y(q, k)), I(y(q, k + 1)), -g_[q][k] / shell_[k]});
          }
          if (k > 0) {
            diag += g_[q][k - 1] / shell_[k];
            t.push_back({I(y(q, k)), I(y(q, k - 1)), -g_[q][k - 1] / shell_[k]});
          }
          t.push_back({I(y(q, k)), I(y(q, k)), diag});
          if (k + 1 == M_) t.push_back({I(y(q, k)), I(cur(q)), 1 / (q_[q] * shell_[k])});
        }
      }
      double G, dI, dphi, dys, deeq, ds, din;
      const double eeq = surface_e_eq(x, q, ds, din);
      bv(q, x[y(q, M_ - 1)], eeq, x[phi()], x[cur(q)], G, dI, dphi, dys, deeq);
      t.push_back({I(cur(q)), I(cur(q)), dI});
      t.push_back({I(cur(q)), I(phi()), dphi});
      t.push_back({I(cur(q)), I(y(q, M_ - 1)), dys + deeq * ds});
      if (ch_ && M_ > 1) t.push_back({I(cur(q)), I(y(q, M_ - 2)), deeq * din});
      t.push_back({I(phi()), I(cur(q)), 1.0});
    }
    t.push_back({I(phi()), I(phi()), cj * cdl_total() + side_current_dphi(x[phi()])});
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
    t.push_back({I(qside()), I(phi()), -side_current_dphi(x[phi()])});
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
      if (std::fabs(step) <= 1e-14 * (1 + std::fabs(ip))) break;
    }
    return ip;
  }
  // Side reaction (cathodic, Tafel) and its derivative in phi.
  double side_current(double phi) const {
    if (side_scale_A <= 0) return 0;
    return -side_scale_A * std::exp(-(phi - p_.side_e0_V) / p_.side_tafel_V);
  }
  double side_current_dphi(double phi) const { return side_scale_A > 0 ? -side_current(phi) / p_.side_tafel_V : 0.0; }
  double total_current(const double* x, double phi) const {
    double s = side_current(phi);
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

 private:
  const CellParameters& p_;
  std::size_t P_ = 0, M_ = 1;
  double f_ = 0, active_ = 1, kappa_ = 0;
  bool ch_ = false;
  std::vector<double> shell_, q_, area_, face_;
  std::vector<std::vector<double>> g_, lap_;
};

struct Ctx {
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
  int fill_limit = 0;  // +1: stop when the cathode is empty (charge), -1: when full (discharge)
  double rs = 0;
};

constexpr double kFillStop = 1e-4;

int residual_fn(sunrealtype t, N_Vector x, N_Vector xp, N_Vector F, void* data) {
  auto* c = static_cast<Ctx*>(data);
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
  if (c->fill_limit > 0) g[k++] = c->model->mean_filling(v) - kFillStop;
  if (c->fill_limit < 0) g[k++] = (1 - kFillStop) - c->model->mean_filling(v);
  return 0;
}

void check(int flag, const char* what) {
  if (flag < 0) throw Error(fmt::format("simulator: {} failed (SUNDIALS flag {})", what, flag));
}

}  // namespace

double anode_overpotential_V(const CellParameters& p, double current_A) {
  const double i = current_A / p.anode_area_m2, k0 = p.anode_k0_A_m2, a = p.anode_alpha;
  const double f = p.ion_charge / p.kT_eV();
  // Newton on i = k0 (exp((1-a) f eta) - exp(-a f eta)), from the Tafel estimate.
  double eta = 0;
  for (int it = 0; it < 100; ++it) {
    const double ea = std::exp((1 - a) * f * eta), ec = std::exp(-a * f * eta);
    const double r = k0 * (ea - ec) - i, d = k0 * f * ((1 - a) * ea + a * ec);
    const double step = r / d;
    eta -= std::clamp(step, -0.05, 0.05);
    if (std::fabs(step) < 1e-12) break;
  }
  return eta;
}

SimulationResult simulate(const CellParameters& prm, const std::vector<ProtocolStep>& protocol, const SimulationOptions& o) {
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
    for (std::size_t k = 0; k < model.volumes(); ++k) xv[model.y(q, k)] = prm.initial_filling, idv[model.y(q, k)] = 1;
  if (model.cdl_total() > 0) idv[model.phi()] = 1;
  idv[model.qcell()] = idv[model.qside()] = 1;
  xv[model.phi()] = model.e_eq(prm.initial_filling);
  void* ida = IDACreate(sun);
  Ctx ctx;
  ctx.model = &model;
  ctx.rs = prm.series_resistance_ohm;
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
  check(IDASStolerances(ida, o.rtol, o.atol), "IDASStolerances");
  check(IDASetLinearSolver(ida, LS, J), "IDASetLinearSolver");
  check(IDASetJacFn(ida, jacobian_fn), "IDASetJacFn");
  check(IDASetId(ida, id), "IDASetId");
  // The error test watches the fillings; the algebraic unknowns follow them exactly.
  check(IDASetSuppressAlg(ida, SUNTRUE), "IDASetSuppressAlg");
  check(IDASetMaxNumSteps(ida, 20000), "IDASetMaxNumSteps");

  // Output columns.
  std::vector<double> T, V, I, ECE, CYC, STEP, KIND, VCELL, FILL;
  std::vector<std::vector<double>> groups(o.record_fillings ? model.groups() : 0);
  std::vector<std::vector<double>> surfaces(o.record_fillings ? model.groups() : 0);
  SimulationResult res;
  int cycle = 1;
  bool charged_since = false;
  double t = 0;
  double active = prm.active_fraction;
  model.side_scale_A = prm.side_i0_A_g * prm.mass_g;
  auto record = [&](std::size_t step, StepKind kind) {
    const double icell = xv[model.icell()];
    const double vwe = xv[model.phi()] + prm.series_resistance_ohm * icell;
    const double ece = anode_overpotential_V(prm, -icell);
    T.push_back(t), V.push_back(vwe), I.push_back(icell), ECE.push_back(ece), CYC.push_back(cycle);
    STEP.push_back(static_cast<double>(step + 1)), KIND.push_back(static_cast<double>(kind)), VCELL.push_back(vwe - ece);
    for (std::size_t q = 0; q < groups.size(); ++q)
      groups[q].push_back(model.group_filling(xv, q)), surfaces[q].push_back(xv[model.y(q, model.volumes() - 1)]);
    FILL.push_back(model.mean_filling(xv));
    res.charge_passed_C = xv[model.qcell()];
    res.side_charge_C = xv[model.qside()];
  };
  const double stored0 = model.stored_charge_C(xv);
  const double mass_total = prm.mass_g;
  const double cap_total_C = prm.mass_g * prm.capacity_mAh_g * 3.6;
  auto amps = [&](const Amount& a, const ProtocolStep& s) {
    if (a.unit == "A") return a.value;
    if (a.unit == "A/g") return a.value * mass_total;
    if (a.unit == "A/m2") return a.value * prm.anode_area_m2;
    if (a.unit == "C") return a.value * cap_total_C / 3600.0;
    throw Error(fmt::format("protocol step '{}': unknown current unit {}", s.text, a.unit));
  };

  for (std::size_t si = 0; si < protocol.size(); ++si) {
    const auto& s = protocol[si];
    StepKind kind = StepKind::rest;
    ctx.v_limit.reset();
    ctx.i_limit.reset();
    ctx.fill_limit = 0;
    model.sweep_rate = 0;
    double t_end = t + (s.duration_s ? *s.duration_s : 1e9);
    switch (s.type) {
      case StepType::discharge:
      case StepType::charge: {
        const double a = std::fabs(amps(*s.current, s));
        model.mode = Mode::galvanostatic;
        model.setpoint = s.type == StepType::charge ? a : -a;
        kind = s.type == StepType::charge ? StepKind::cc_charge : StepKind::cc_discharge;
        if (s.type == StepType::discharge && charged_since) {
          ++cycle;
          charged_since = false;
          // Ageing between cycles: activation of new material, trapping of some.
          model.side_scale_A = prm.side_i0_A_g * prm.mass_g * std::pow(prm.side_decay_per_cycle, cycle - 1);
          if (prm.activation_per_cycle != 0 || prm.trapping_per_cycle != 0) {
            // Activation halves from cycle to cycle; trapping takes the same share each cycle.
            active = std::clamp(active + prm.activation_per_cycle * std::pow(0.5, cycle - 2) - prm.trapping_per_cycle, 1e-3, 1.0);
            model.set_active(active);
          }
        }
        if (s.type == StepType::charge) charged_since = true;
        ctx.v_limit = s.until_voltage_V;
        // The active material cannot give or take more than it holds: the step also ends
        // when the mean filling reaches 1e-4 (charge) or 1 - 1e-4 (discharge).
        ctx.fill_limit = s.type == StepType::charge ? 1 : -1;
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
    // (dF/dy' = 1 for them); the double layer starts with phi' = 0.
    model.consistent_algebraics(xv);
    {
      std::vector<double> F(n);
      for (std::size_t k = 0; k < n; ++k) xpv[k] = 0;
      model.residual(xv, xpv, F.data());
      for (std::size_t q = 0; q < model.groups(); ++q)
        for (std::size_t k = 0; k < model.volumes(); ++k) xpv[model.y(q, k)] = -F[model.y(q, k)];
      xpv[model.qcell()] = -F[model.qcell()];
      xpv[model.qside()] = -F[model.qside()];
      if (model.cdl_total() > 0 && model.mode == Mode::galvanostatic) xpv[model.phi()] = -F[model.phi()] / model.cdl_total();
    }
    check(IDAReInit(ida, t, x, xp), "IDAReInit");
    const int nroots = (ctx.v_limit ? 1 : 0) + (ctx.i_limit ? 1 : 0) + (ctx.fill_limit != 0 ? 1 : 0);
    check(IDARootInit(ida, nroots, nroots ? root_fn : nullptr), "IDARootInit");
    check(IDASetStopTime(ida, t_end), "IDASetStopTime");
    // A voltage limit already passed at the start ends the step at once.
    bool done = false;
    if (ctx.v_limit) {
      const double vwe = xv[model.phi()] + prm.series_resistance_ohm * xv[model.icell()];
      if ((model.setpoint < 0 && vwe <= *ctx.v_limit) || (model.setpoint > 0 && vwe >= *ctx.v_limit)) done = true;
    }
    record(si, kind);
    long steps = 0;
    while (!done) {
      double tret = t;
      const int flag = IDASolve(ida, t_end, &tret, x, xp, IDA_ONE_STEP);
      if (flag < 0)
        throw Error(fmt::format("simulator: step {} '{}' failed at t = {:.6g} s (IDA flag {}): {}", si + 1, s.text, tret,
                                flag, flag == IDA_CONV_FAIL || flag == IDA_ERR_FAIL
                                          ? "the solver could not converge (a limit out of reach, or the cell is exhausted)"
                                          : "solver error"));
      t = tret;
      record(si, kind);
      ++steps;
      ++res.solver_steps;
      if (flag == IDA_ROOT_RETURN || flag == IDA_TSTOP_RETURN || t >= t_end) done = true;
      if (steps > o.max_solver_steps_per_step)
        throw Error(fmt::format("simulator: step {} '{}' needed more than {} solver steps: stopped", si + 1, s.text,
                                o.max_solver_steps_per_step));
      // A discharge that empties the particles without reaching its limit.
      if (s.type == StepType::discharge && !s.duration_s && t > 1e8)
        throw Error(fmt::format("simulator: step {} '{}' never reached its limit", si + 1, s.text));
    }
    if (o.progress) o.progress(si, protocol.size(), t);
  }
  res.stored_change_C = stored0 - model.stored_charge_C(xv);
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
