#include "castor/xrd/refine.h"
#include "castor/core/constants.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <thread>
#include <numbers>

#include <Eigen/Dense>
#include <ceres/ceres.h>
#include <fmt/format.h>

#include "castor/core/error.h"
#include "castor/fit/detail/covariance.h"

namespace castor::xrd {
namespace {

constexpr double kDeg = std::numbers::pi / 180;
constexpr double kLn2 = 0.69314718055994530942;

double bragg_deg(double d, double lambda) {
  const double s = lambda / (2 * d);
  return s < 1 ? 2 * std::asin(s) / kDeg : 180.0;
}

class Model {
 public:
  Model(const Pattern& p, const std::vector<Crystal>& phases, const Instrument& inst, const Caglioti& prof, const RefineSettings& s)
      : s_(s), inst_(inst) {
    if (phases.empty()) throw Error(p.source, "XRD", "refinement needs at least one phase");
    for (std::size_t i = 0; i < p.counts.size(); ++i) {
      const double t = p.two_theta_deg[i];
      if (t < s.two_theta_min_deg || t > s.two_theta_max_deg) continue;
      x_.push_back(t);
      y_.push_back(p.counts[i]);
      w_.push_back(1 / std::pow(std::max(p.sigma[i], 1e-6), 2));
    }
    if (x_.size() < 20) throw Error(p.source, "XRD", "fewer than 20 points inside the refinement limits");
    for (std::size_t i = 1; i < x_.size(); ++i)
      if (!(x_[i] > x_[i - 1])) throw Error(p.source, "XRD", fmt::format("2-theta does not increase at {:.4f} deg", x_[i]));
    lo_ = x_.front(), hi_ = x_.back();
    basis_.assign(static_cast<std::size_t>(std::max(s.background_terms, 0)), std::vector<double>(x_.size()));
    for (std::size_t n = 0; n < basis_.size(); ++n) {
      std::vector<double> c(basis_.size(), 0.0);
      c[n] = 1;
      for (std::size_t k = 0; k < x_.size(); ++k) basis_[n][k] = chebyshev_background(c, x_[k], lo_, hi_);
    }
    // Width of each point (steps may vary), for the Le Bail share-out.
    dx_.resize(x_.size());
    for (std::size_t i = 0; i < x_.size(); ++i)
      dx_[i] = 0.5 * (x_[std::min(i + 1, x_.size() - 1)] - x_[i > 0 ? i - 1 : 0]) * (i == 0 || i + 1 == x_.size() ? 2.0 : 1.0);
    const double lam = std::max(inst.ka1_Ang, inst.ka2_Ang);
    for (const auto& c : phases) {
      Phase ph;
      ph.base = c;
      ph.sys = cell_system(c);
      // Reflections a little beyond the range (the cell may grow); hkl stay fixed.
      for (const auto& r : reflections(c, lam, std::min(hi_ + 3, 179.0), std::max(lo_ - 3, 0.01), false))
        ph.hkl.push_back({r.h, r.k, r.l}), ph.mult.push_back(r.multiplicity);
      if (ph.hkl.empty()) throw Error(p.source, "XRD", fmt::format("{} has no reflections in {:.2f}-{:.2f} deg", c.name, lo_, hi_));
      for (std::size_t k = 0; k < c.sites.size(); ++k) ph.dirs.push_back(free_directions(c, k));
      ph.lebail_I.assign(ph.hkl.size(), 1.0);
      const std::size_t idx = ph_.size();
      if (idx < s.preferred_orientation.size() && s.preferred_orientation[idx]) {
        ph.po_axis = s.preferred_orientation[idx];
        for (const auto& m : ph.hkl) ph.family.push_back(equivalent_reflections(c, m[0], m[1], m[2]));
      }
      ph_.push_back(std::move(ph));
    }
    // Layout: scales, background, cells, zero, displacement, profile, Uiso, positions; for one
    // phase the names carry no prefix.
    auto pre = [&](std::size_t k) { return ph_.size() > 1 && k > 0 ? fmt::format("{}:", k + 1) : std::string(); };
    for (std::size_t k = 0; k < ph_.size(); ++k) ph_[k].i_scale = add(pre(k) + "scale", 1.0);
    i_bkg_ = names_.size();
    for (int n = 0; n < s.background_terms; ++n) add(fmt::format("bkg{}", n), 0.0);
    const char* cn[] = {"a", "b", "c", "alpha", "beta", "gamma"};
    for (std::size_t k = 0; k < ph_.size(); ++k) {
      auto& ph = ph_[k];
      const auto cell = free_cell(ph.base, ph.sys);
      const auto idx = ph.sys == CellSystem::cubic                                           ? std::vector<int>{0}
                       : ph.sys == CellSystem::tetragonal || ph.sys == CellSystem::hexagonal ? std::vector<int>{0, 2}
                       : ph.sys == CellSystem::orthorhombic                                  ? std::vector<int>{0, 1, 2}
                       : ph.sys == CellSystem::monoclinic                                    ? std::vector<int>{0, 1, 2, 4}
                                                                                             : std::vector<int>{0, 1, 2, 3, 4, 5};
      ph.i_cell = names_.size();
      ph.ncell = cell.size();
      for (std::size_t j = 0; j < cell.size(); ++j) add(pre(k) + cn[idx[j]], cell[j]);
    }
    i_zero_ = add("zero", inst.zero_deg);
    i_disp_ = add("displacement_mm", inst.displacement_mm);
    i_prof_ = names_.size();
    for (const auto& [n, v] : {std::pair{"U", prof.U}, {"V", prof.V}, {"W", prof.W}, {"X", prof.X}, {"Y", prof.Y}}) add(n, v);
    for (std::size_t k = 0; k < ph_.size(); ++k) {
      ph_[k].i_uiso = names_.size();
      for (const auto& st : ph_[k].base.sites) add(pre(k) + "Uiso " + st.label, st.u_iso_Ang2);
    }
    for (std::size_t k = 0; k < ph_.size(); ++k) {
      auto& ph = ph_[k];
      for (std::size_t a = 0; a < ph.base.sites.size(); ++a) {
        ph.i_pos.push_back(names_.size());
        for (std::size_t d = 0; d < ph.dirs[a].size(); ++d) add(fmt::format("{}pos {} {}", pre(k), ph.base.sites[a].label, d), 0.0);
      }
    }
    for (std::size_t k = 0; k < ph_.size(); ++k)
      if (ph_[k].po_axis) ph_[k].i_po = add(pre(k) + "PO r", 1.0);
  }

  std::size_t size() const { return names_.size(); }
  std::size_t points() const { return x_.size(); }
  std::size_t phases() const { return ph_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  std::vector<double>& values() { return v_; }
  std::size_t index(const std::string& n) const {
    return static_cast<std::size_t>(std::find(names_.begin(), names_.end(), n) - names_.begin());
  }
  std::size_t bkg0() const { return i_bkg_; }
  std::size_t scale_index(std::size_t k) const { return ph_[k].i_scale; }
  std::size_t po_index(std::size_t k) const { return ph_[k].i_po; }
  bool is_scale(std::size_t i) const {
    return std::any_of(ph_.begin(), ph_.end(), [&](const Phase& p) { return p.i_scale == i; });
  }
  bool is_cell(std::size_t i) const {
    return std::any_of(ph_.begin(), ph_.end(), [&](const Phase& p) { return i >= p.i_cell && i < p.i_cell + p.ncell; });
  }
  bool is_profile(std::size_t i) const { return i >= i_prof_ && i < i_prof_ + 5; }
  bool is_uiso(std::size_t i) const { return names_[i].find("Uiso ") != std::string::npos; }
  bool is_pos(std::size_t i) const { return names_[i].find("pos ") != std::string::npos; }
  bool is_po(std::size_t i) const { return names_[i].find("PO r") != std::string::npos; }

  Crystal crystal(const double* v, std::size_t k) const {
    const auto& ph = ph_[k];
    Crystal c = ph.base;
    set_free_cell(c, ph.sys, std::vector<double>(v + ph.i_cell, v + ph.i_cell + ph.ncell));
    for (std::size_t a = 0; a < c.sites.size(); ++a) {
      c.sites[a].u_iso_Ang2 = v[ph.i_uiso + a];
      for (std::size_t d = 0; d < ph.dirs[a].size(); ++d) {
        const double amt = v[ph.i_pos[a] + d];
        c.sites[a].x += amt * ph.dirs[a][d][0];
        c.sites[a].y += amt * ph.dirs[a][d][1];
        c.sites[a].z += amt * ph.dirs[a][d][2];
      }
    }
    return c;
  }
  double scale(const double* v, std::size_t k) const { return v[ph_[k].i_scale]; }
  Caglioti profile(const double* v) const { return Caglioti{v[i_prof_], v[i_prof_ + 1], v[i_prof_ + 2], v[i_prof_ + 3], v[i_prof_ + 4]}; }
  Instrument instrument(const double* v) const {
    Instrument i = inst_;
    i.zero_deg = v[i_zero_];
    i.displacement_mm = v[i_disp_];
    return i;
  }
  bool is_background(std::size_t i) const { return i >= i_bkg_ && i < i_bkg_ + static_cast<std::size_t>(s_.background_terms); }
  // Chebyshev term n at every point (the background's derivative in its coefficient n).
  const std::vector<double>& background_basis(std::size_t n) const { return basis_[n]; }
  // The background at every point: sum_n c_n T_n from the basis computed once.
  void background_points(const double* v, std::vector<double>& out) const {
    out.assign(x_.size(), 0.0);
    for (std::size_t n = 0; n < basis_.size(); ++n) {
      const double c = v[i_bkg_ + n];
      if (c != 0)
        for (std::size_t k = 0; k < x_.size(); ++k) out[k] += c * basis_[n][k];
    }
  }

  // Integrated intensities (Ka1 line) and positions of every reflection of phase k.
  void intensities(const double* v, std::size_t k, std::vector<double>& I, std::vector<double>& t1, std::vector<double>& t2) const {
    const auto& ph = ph_[k];
    const Crystal c = crystal(v, k);
    const Instrument in = instrument(v);
    I.assign(ph.hkl.size(), 0);
    t1.assign(ph.hkl.size(), 0);
    t2.assign(ph.hkl.size(), 0);
    // Structure factors depend only on the cell, Uiso and positions: most Jacobian columns
    // (scale, background, profile, zero) leave them unchanged, so the last set is reused.
    if (!s_.le_bail) {
      auto key = sf_key(v, k);
      if (key != ph.sf_key) ph.sf = structure_factors(c, ph.hkl), ph.sf_key = std::move(key);
    }
    const auto& F = ph.sf;
    for (std::size_t r = 0; r < ph.hkl.size(); ++r) {
      const double d = d_spacing_Ang(c, ph.hkl[r][0], ph.hkl[r][1], ph.hkl[r][2]);
      const double tt = bragg_deg(d, in.ka1_Ang);
      const double shift = in.zero_deg - 2 * in.displacement_mm * std::cos(tt * kDeg / 2) / in.radius_mm / kDeg;
      t1[r] = tt + shift;
      t2[r] = in.ka2_Ang > 0 ? bragg_deg(d, in.ka2_Ang) + shift : 0;
      I[r] = s_.le_bail ? ph.lebail_I[r] : v[ph.i_scale] * ph.mult[r] * std::norm(F[r]) * lorentz_polarisation(tt, in.monochromator_deg);
      if (!s_.le_bail && ph.po_axis) I[r] *= march_dollase(c, ph.family[r], *ph.po_axis, std::max(v[ph.i_po], 1e-3));
    }
  }

  // For a Uiso or position parameter i: its phase k and dI[r] = d I_r / d v[i] of that phase's
  // reflections, from the structure factors' analytic derivatives (I_r is proportional to
  // |F_r|^2, and the lines' positions and widths do not depend on i); false for any other
  // parameter.
  bool intensity_derivative(const double* v, std::size_t i, const std::vector<std::vector<double>>& I, std::size_t& k,
                            std::vector<double>& dI) const {
    if (s_.le_bail) return false;
    for (k = 0; k < ph_.size(); ++k) {
      const auto& ph = ph_[k];
      const std::size_t sites = ph.base.sites.size();
      std::size_t site = sites;
      std::array<double, 4> along{};  // d(Uiso, x, y, z) / d v[i]
      if (i >= ph.i_uiso && i < ph.i_uiso + sites) site = i - ph.i_uiso, along[0] = 1;
      for (std::size_t a = 0; a < ph.i_pos.size() && site == sites; ++a)
        if (i >= ph.i_pos[a] && i < ph.i_pos[a] + ph.dirs[a].size()) {
          site = a;
          for (std::size_t j = 0; j < 3; ++j) along[j + 1] = ph.dirs[a][i - ph.i_pos[a]][j];
        }
      if (site == sites) continue;
      auto key = sf_key(v, k);
      if (key != ph.sfd_key) ph.sfd = structure_factor_derivatives(crystal(v, k), ph.hkl), ph.sfd_key = std::move(key);
      dI.assign(ph.hkl.size(), 0.0);
      for (std::size_t r = 0; r < ph.hkl.size(); ++r) {
        const std::complex<double> F = ph.sfd.F[r];
        const double F2 = std::norm(F);
        if (!(F2 > 0)) continue;
        const auto& d = ph.sfd.d[r * sites + site];
        const std::complex<double> dF = along[0] * d[0] + along[1] * d[1] + along[2] * d[2] + along[3] * d[3];
        dI[r] = I[k][r] * 2 * std::real(std::conj(F) * dF) / F2;
      }
      return true;
    }
    return false;
  }

  // Calculated pattern; optionally, per phase and reflection, the observed counts shared out
  // by the Le Bail rule: sum_i Omega_ik I_k (y_obs - b) / (y_calc - b).
  void calc(const double* v, std::vector<double>& yc, std::vector<std::vector<double>>* lebail_sum = nullptr) const {
    const std::size_t P = ph_.size();
    std::vector<std::vector<double>> I(P), t1(P), t2(P);
    for (std::size_t k = 0; k < P; ++k) intensities(v, k, I[k], t1[k], t2[k]);
    const Caglioti pr = profile(v);
    const Instrument in = instrument(v);
    yc.assign(x_.size(), 0.0);
    std::vector<double> bk;
    background_points(v, bk);
    // Reflections are shared out over threads (interleaved); each thread fills its own copy
    // of the pattern, summed in a fixed order afterwards.
    const auto refl = reflection_list();
    auto each_line = [&](std::size_t part, std::size_t parts, auto&& fn) { each_line_point(refl, t1, t2, pr, in, part, parts, fn); };
    const std::size_t T = refl.size() >= 64 ? threads_ : 1;
    if (T > 1) {
      std::vector<std::vector<double>> part(T, std::vector<double>(x_.size(), 0.0));
      {
        std::vector<std::jthread> pool;
        for (std::size_t t = 0; t < T; ++t)
          pool.emplace_back(
              [&, t] { each_line(t, T, [&](std::size_t k, std::size_t r, std::size_t i, double om) { part[t][i] += I[k][r] * om; }); });
      }
      for (std::size_t t = 0; t < T; ++t)
        for (std::size_t i = 0; i < x_.size(); ++i) yc[i] += part[t][i];
    } else {
      each_line(0, 1, [&](std::size_t k, std::size_t r, std::size_t i, double om) { yc[i] += I[k][r] * om; });
    }
    if (lebail_sum) {
      lebail_sum->assign(P, {});
      for (std::size_t k = 0; k < P; ++k) (*lebail_sum)[k].assign(ph_[k].hkl.size(), 0.0);
      // om is a density (1/deg): om x the point's width is its share.
      each_line(0, 1, [&](std::size_t k, std::size_t r, std::size_t i, double om) {
        if (yc[i] > 1e-12) (*lebail_sum)[k][r] += I[k][r] * om * dx_[i] * std::max(y_[i] - bk[i], 0.0) / yc[i];
      });
    }
    for (std::size_t i = 0; i < x_.size(); ++i) yc[i] += bk[i];
  }

  // One diffraction line (Ka1 or Ka2) of a reflection: where it is, its width and Lorentzian
  // fraction, its weight; with points, its unit-area Lorentzian and Gaussian parts and u =
  // (x - c) / fwhm at every point it reaches (the pseudo-Voigt is eta L + (1 - eta) G).
  struct LinePoint {
    std::size_t i;
    double L, G, u;
  };
  struct Line {
    double c = 0, f = 1, eta = 0, wgt = 0;
    bool used = false;  // inside the pattern's range
    std::vector<LinePoint> pts;
  };
  // The intensities and lines of every reflection of every phase: I[k][r], lines[k][r][0..1].
  void lines(const double* v, bool with_points, std::vector<std::vector<double>>& I,
             std::vector<std::vector<std::array<Line, 2>>>& out) const {
    const std::size_t P = ph_.size();
    const Caglioti pr = profile(v);
    const Instrument in = instrument(v);
    I.resize(P);
    out.resize(P);
    std::vector<double> t1, t2;
    for (std::size_t k = 0; k < P; ++k) {
      intensities(v, k, I[k], t1, t2);
      out[k].resize(ph_[k].hkl.size());
      for (std::size_t r = 0; r < ph_[k].hkl.size(); ++r)
        for (int line = 0; line < 2; ++line) {
          Line& ln = out[k][r][static_cast<std::size_t>(line)];
          ln.pts.clear();
          ln.used = false;
          if (line == 1 && !(in.ka2_Ang > 0)) continue;
          std::size_t first = 0, end = 0;
          ln.used = place_line(line == 0 ? t1[r] : t2[r], line, pr, in, ln, first, end);
          if (!ln.used || !with_points) continue;
          const PseudoVoigtPeak lorentz(ln.f, 1.0), gauss(ln.f, 0.0);
          for (std::size_t i = first; i < end; ++i)
            ln.pts.push_back({i, lorentz(x_[i] - ln.c), gauss(x_[i] - ln.c), (x_[i] - ln.c) / ln.f});
        }
    }
  }

  // Le Bail: I_k <- sum_i Omega_ik I_k (y_obs - b) / (y_calc - b), a few passes.
  void extract(const double* v, int passes) {
    for (int it = 0; it < passes; ++it) {
      std::vector<double> yc;
      std::vector<std::vector<double>> sum;
      calc(v, yc, &sum);
      // sum holds the counts shared out to both lines of each reflection; I is the Ka1 part.
      const double lines = 1 + (inst_.ka2_Ang > 0 ? inst_.ka2_ratio : 0.0);
      for (std::size_t k = 0; k < ph_.size(); ++k)
        for (std::size_t r = 0; r < sum[k].size(); ++r) ph_[k].lebail_I[r] = std::max(sum[k][r] / lines, 1e-9);
    }
  }

  const std::vector<double>& x() const { return x_; }
  const std::vector<double>& y() const { return y_; }
  const std::vector<double>& w() const { return w_; }
  const std::vector<std::array<int, 3>>& hkl(std::size_t k) const { return ph_[k].hkl; }
  const std::vector<int>& mult(std::size_t k) const { return ph_[k].mult; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }

 private:
  // The parameters the structure factors of phase k depend on: cell, Uiso, positions.
  std::vector<double> sf_key(const double* v, std::size_t k) const {
    const auto& ph = ph_[k];
    std::vector<double> key(v + ph.i_cell, v + ph.i_cell + ph.ncell);
    key.insert(key.end(), v + ph.i_uiso, v + ph.i_uiso + ph.base.sites.size());
    for (std::size_t a = 0; a < ph.i_pos.size(); ++a) key.insert(key.end(), v + ph.i_pos[a], v + ph.i_pos[a] + ph.dirs[a].size());
    return key;
  }
  std::vector<std::pair<std::size_t, std::size_t>> reflection_list() const {
    std::vector<std::pair<std::size_t, std::size_t>> refl;
    for (std::size_t k = 0; k < ph_.size(); ++k)
      for (std::size_t r = 0; r < ph_[k].hkl.size(); ++r) refl.emplace_back(k, r);
    return refl;
  }
  // Line `line` (0 Ka1, 1 Ka2) of a reflection at 2-theta c: its weight, width and Lorentzian
  // fraction, and the points [first, end) within window_fwhm FWHM of it; false when the
  // window misses the pattern.
  bool place_line(double c, int line, const Caglioti& pr, const Instrument& in, Line& ln, std::size_t& first, std::size_t& end) const {
    ln.c = c;
    ln.wgt = line == 0 ? 1.0 : in.ka2_ratio;
    pr.widths(c, ln.f, ln.eta);
    const double half = s_.window_fwhm * ln.f;
    if (c + half < lo_ || c - half > hi_) return false;
    first = static_cast<std::size_t>(std::lower_bound(x_.begin(), x_.end(), c - half) - x_.begin());
    end = first;
    while (end < x_.size() && x_[end] <= c + half) ++end;
    return true;
  }
  // fn(phase, reflection, point, profile value x line weight) for every point of every line
  // of the reflections part, part + parts, ... of refl.
  template <class Fn>
  void each_line_point(const std::vector<std::pair<std::size_t, std::size_t>>& refl, const std::vector<std::vector<double>>& t1,
                       const std::vector<std::vector<double>>& t2, const Caglioti& pr, const Instrument& in, std::size_t part,
                       std::size_t parts, Fn&& fn) const {
    for (std::size_t j = part; j < refl.size(); j += parts) {
      const auto [k, r] = refl[j];
      for (int line = 0; line < (in.ka2_Ang > 0 ? 2 : 1); ++line) {
        Line ln;
        std::size_t first = 0, end = 0;
        if (!place_line(line == 0 ? t1[k][r] : t2[k][r], line, pr, in, ln, first, end)) continue;
        const PseudoVoigtPeak peak(ln.f, ln.eta);
        for (std::size_t i = first; i < end; ++i) fn(k, r, i, ln.wgt * peak(x_[i] - ln.c));
      }
    }
  }
  struct Phase {
    Crystal base;
    CellSystem sys = CellSystem::triclinic;
    std::vector<std::array<int, 3>> hkl;
    std::vector<int> mult;
    std::vector<std::vector<std::array<double, 3>>> dirs;
    std::vector<double> lebail_I;
    std::optional<std::array<int, 3>> po_axis;
    std::vector<std::vector<std::array<int, 3>>> family;  // equivalents of each reflection (for PO)
    std::size_t i_scale = 0, i_cell = 0, ncell = 0, i_uiso = 0, i_po = 0;
    mutable std::vector<double> sf_key;  // parameters of the cached structure factors
    mutable std::vector<std::complex<double>> sf;
    mutable std::vector<double> sfd_key;  // ... and of the cached derivatives
    mutable StructureFactorDerivatives sfd;
    std::vector<std::size_t> i_pos;
  };
  std::size_t add(const std::string& n, double v) {
    names_.push_back(n), v_.push_back(v);
    return names_.size() - 1;
  }
  const RefineSettings& s_;
  Instrument inst_;
  std::vector<Phase> ph_;
  std::vector<double> x_, y_, w_;
  std::vector<double> dx_;
  std::vector<std::vector<double>> basis_;  // Chebyshev term n at every point
  double lo_ = 0, hi_ = 0;
  std::vector<std::string> names_;
  std::vector<double> v_;
  std::size_t i_bkg_ = 0, i_zero_ = 0, i_disp_ = 0, i_prof_ = 0;
  std::size_t threads_ = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
};

struct Cost {
  const Model& m;
  bool operator()(const double* const* p, double* r) const {
    std::vector<double> yc;
    m.calc(p[0], yc);
    for (std::size_t i = 0; i < yc.size(); ++i) {
      if (!std::isfinite(yc[i])) return false;
      r[i] = std::sqrt(m.w()[i]) * (m.y()[i] - yc[i]);
    }
    return true;
  }
};

// The residuals as functions of some parameters (free), the others at their values in base,
// and their Jacobian: exact columns for the parameters the pattern is linear in (the
// background terms: Chebyshev polynomials; the scale of a single phase: (y_calc - b) /
// scale; so stage 1 needs no lines at all), and for the rest the pattern's derivative
// linearised in every line's intensity, position, width and Lorentzian fraction, their
// changes by a forward difference with Ceres' own step (1e-6 relative, 1e-6 at 0).
class StageCost final : public ceres::CostFunction {
 public:
  StageCost(const Model& m, const std::vector<std::size_t>& free, const std::vector<double>& base, bool le_bail)
      : m_(m), free_(free), base_(base), le_bail_(le_bail) {
    set_num_residuals(static_cast<int>(m.points()));
    mutable_parameter_block_sizes()->push_back(static_cast<int>(free.size()));
    sqrt_w_.resize(m.points());
    for (std::size_t k = 0; k < m.points(); ++k) sqrt_w_[k] = std::sqrt(m.w()[k]);
  }
  bool Evaluate(double const* const* p, double* r, double** jac) const override {
    std::vector<double> full = base_;
    for (std::size_t j = 0; j < free_.size(); ++j) full[free_[j]] = p[0][j];
    const double* f = full.data();
    if (!Cost{m_}(&f, r)) return false;
    if (!jac || !jac[0]) return true;
    const std::size_t F = free_.size(), N = m_.points();
    std::vector<double> bk;  // the background at the present coefficients (for the scale column)
    auto& lines0 = lines0_;  // at the point (computed at the first column that needs them) and moved
    auto& lines1 = lines1_;
    auto& I0 = I0_;
    auto& I1 = I1_;
    bool have_lines0 = false;
    for (std::size_t j = 0; j < F; ++j) {
      const std::size_t i = free_[j];
      if (m_.is_background(i)) {
        const auto& basis = m_.background_basis(i - m_.bkg0());
        for (std::size_t k = 0; k < N; ++k) jac[0][k * F + j] = -sqrt_w_[k] * basis[k];
        continue;
      }
      if (m_.is_scale(i) && m_.phases() == 1 && !le_bail_ && full[i] > 0) {
        if (bk.empty()) m_.background_points(full.data(), bk);
        for (std::size_t k = 0; k < N; ++k) {
          const double yc = m_.y()[k] - r[k] / sqrt_w_[k];
          jac[0][k * F + j] = -sqrt_w_[k] * (yc - bk[k]) / full[i];
        }
        continue;
      }
      // Uiso and positions: the intensities' analytic derivatives, on the lines at the point.
      std::size_t phase = 0;
      if (!have_lines0) m_.lines(full.data(), true, I0, lines0), have_lines0 = true;
      if (m_.intensity_derivative(full.data(), i, I0, phase, dI_)) {
        std::vector<double> col(N, 0.0);
        for (std::size_t rr = 0; rr < lines0[phase].size(); ++rr) {
          if (dI_[rr] == 0) continue;
          for (const auto& a : lines0[phase][rr])
            if (a.used)
              for (const auto& q : a.pts) col[q.i] += a.wgt * dI_[rr] * (a.eta * q.L + (1 - a.eta) * q.G);
        }
        for (std::size_t k = 0; k < N; ++k) jac[0][k * F + j] = -sqrt_w_[k] * col[k];
        continue;
      }
      const double h = full[i] != 0 ? 1e-6 * std::fabs(full[i]) : 1e-6;
      std::vector<double> moved = full;
      moved[i] += h;
      // The pattern is background + sum_r I_r sum_lines w PV(x - c; f, eta): the column is
      // its derivative, linearised in I_r, c, f and eta of every line, whose own changes come
      // from the same forward difference (intensities and widths only: no profile pass).
      m_.lines(moved.data(), false, I1, lines1);
      const double step = moved[i] - full[i];  // the step as represented
      std::vector<double> col(N, 0.0);
      for (std::size_t k = 0; k < lines0.size(); ++k)
        for (std::size_t rr = 0; rr < lines0[k].size(); ++rr) {
          const double I = I0[k][rr], dI = (I1[k][rr] - I) / step;
          for (std::size_t li = 0; li < 2; ++li) {
            const auto& a = lines0[k][rr][li];
            const auto& b = lines1[k][rr][li];
            if (!a.used) continue;
            const double dc = (b.c - a.c) / step, df = (b.f - a.f) / step, deta = (b.eta - a.eta) / step;
            if (dI == 0 && dc == 0 && df == 0 && deta == 0) continue;
            for (const auto& q : a.pts) {
              const double den = 1 + 4 * q.u * q.u, pv = a.eta * q.L + (1 - a.eta) * q.G;
              // d/dc = -d/dx; d/df at fixed x; d/deta.
              const double dpv_dc = (a.eta * q.L * 8 * q.u / den + (1 - a.eta) * q.G * 8 * kLn2 * q.u) / a.f;
              const double dpv_df = (a.eta * q.L * (-1 + 8 * q.u * q.u / den) + (1 - a.eta) * q.G * (-1 + 8 * kLn2 * q.u * q.u)) / a.f;
              col[q.i] += a.wgt * (dI * pv + I * (dpv_dc * dc + dpv_df * df + (q.L - q.G) * deta));
            }
          }
        }
      for (std::size_t k = 0; k < N; ++k) jac[0][k * F + j] = -sqrt_w_[k] * col[k];
    }
    return true;
  }

 private:
  const Model& m_;
  const std::vector<std::size_t>& free_;
  const std::vector<double>& base_;
  bool le_bail_;
  std::vector<double> sqrt_w_;
  // Work space kept between evaluations (Ceres calls Evaluate from one thread here).
  mutable std::vector<std::vector<std::array<Model::Line, 2>>> lines0_, lines1_;
  mutable std::vector<std::vector<double>> I0_, I1_;
  mutable std::vector<double> dI_;
};

}  // namespace

Instrument Instrument::from_pattern(const Pattern& p) {
  Instrument i;
  if (p.ka1_Ang > 0) {
    i.ka1_Ang = p.ka1_Ang;
    i.ka2_Ang = p.ka2_Ang;
    // Exactly the file's ratio where it states one (0: a Ka1 monochromator, one line);
    // Ka2 without a ratio: the usual 0.5.
    i.ka2_ratio = p.ka2_Ang > 0 ? (p.ka2_ratio_stated ? p.ka2_ratio : 0.5) : 0;
    if (i.ka2_ratio == 0) i.ka2_Ang = 0;
    i.radiation_source = p.ka2_ratio_stated || p.ka2_Ang == 0 ? "from the file" : "from the file, Ka2/Ka1 ratio 0.5 assumed";
  } else {
    i.ka1_Ang = constants::cu_ka1_Ang, i.ka2_Ang = constants::cu_ka2_Ang, i.ka2_ratio = constants::cu_ka2_over_ka1;
    i.radiation_source = "assumed Cu Ka1/Ka2 with ratio 0.5: the file states no wavelength (set --wavelengths)";
  }
  if (p.goniometer_radius_mm > 0) i.radius_mm = p.goniometer_radius_mm;
  return i;
}

RefineResult refine(const Pattern& pattern, const Crystal& start, const Instrument& inst, const Caglioti& prof, const RefineSettings& s) {
  return refine(pattern, std::vector<Crystal>{start}, inst, prof, s);
}

std::vector<double> calculate_pattern(const Crystal& x, const Instrument& inst, const Caglioti& prof, double scale,
                                      const std::vector<double>& two_theta_deg, double background, double window_fwhm,
                                      std::optional<std::array<int, 3>> po_axis, double po_ratio) {
  Pattern p;
  p.source = "calculated pattern";
  p.two_theta_deg = two_theta_deg;
  p.counts.assign(two_theta_deg.size(), 0.0);
  p.sigma.assign(two_theta_deg.size(), 1.0);
  RefineSettings s;
  s.window_fwhm = window_fwhm;
  s.background_terms = 1;
  if (po_axis) s.preferred_orientation = {po_axis};
  Model m(p, {x}, inst, prof, s);
  auto& v = m.values();
  v[m.scale_index(0)] = scale;
  v[m.bkg0()] = background;
  if (po_axis) v[m.po_index(0)] = po_ratio;
  std::vector<double> y;
  m.calc(v.data(), y);
  return y;
}

namespace {
// Reports a long refinement's progress about once a second after the first 2 s.
class Progress : public ceres::IterationCallback {
 public:
  Progress(const std::function<void(const std::string&)>& report, std::chrono::steady_clock::time_point started, int stage, double after_s)
      : report_(report), started_(started), stage_(stage), after_s_(after_s) {}
  ceres::CallbackReturnType operator()(const ceres::IterationSummary& it) override {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (report_ && t >= after_s_ && (reported_ == 0 || t - last_ >= 1)) {
      ++reported_;
      last_ = t;
      report_(fmt::format("stage {}, iteration {}, chi2 {:.4g}, {:.0f} s", stage_, it.iteration, 2 * it.cost, t));
    }
    return ceres::SOLVER_CONTINUE;
  }

 private:
  const std::function<void(const std::string&)>& report_;
  std::chrono::steady_clock::time_point started_;
  int stage_;
  double after_s_;
  double last_ = 0;
  int reported_ = 0;
};
}  // namespace

RefineResult refine(const Pattern& pattern, const std::vector<Crystal>& phases, const Instrument& inst, const Caglioti& prof,
                    const RefineSettings& s) {
  if (s.background_terms < 1) throw Error("XRD refinement: at least one background term");
  Model m(pattern, phases, inst, prof, s);
  auto& v = m.values();
  // Start: background at the lower quartile of the counts; scales by least squares of each
  // phase's pattern against the counts above it.
  const std::size_t P = m.phases();
  auto scale_index = [&](std::size_t k) { return m.scale_index(k); };
  {
    std::vector<double> sorted = m.y();
    std::sort(sorted.begin(), sorted.end());
    const double b0 = sorted[sorted.size() / 4];
    v[m.bkg0()] = b0;
    if (s.le_bail) m.extract(v.data(), 1);
    std::vector<std::vector<double>> pk(P);
    for (std::size_t k = 0; k < P; ++k) {
      for (std::size_t j = 0; j < P; ++j) v[scale_index(j)] = j == k ? 1.0 : 0.0;
      m.calc(v.data(), pk[k]);
      for (double& y : pk[k]) y -= b0;
    }
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(P));
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(P));
    for (std::size_t i = 0; i < m.points(); ++i)
      for (std::size_t a = 0; a < P; ++a) {
        rhs(static_cast<Eigen::Index>(a)) += pk[a][i] * (m.y()[i] - b0);
        for (std::size_t b = 0; b < P; ++b) A(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) += pk[a][i] * pk[b][i];
      }
    if (!(A.trace() > 0)) throw Error(pattern.source, "XRD", "the model has no intensity in the refinement range");
    const Eigen::VectorXd sc = A.completeOrthogonalDecomposition().solve(rhs);
    for (std::size_t k = 0; k < P; ++k) {
      const double one = A(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k)) > 0
                             ? rhs(static_cast<Eigen::Index>(k)) / A(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k))
                             : 1.0;
      v[scale_index(k)] =
          s.le_bail ? 1.0 : std::max(sc(static_cast<Eigen::Index>(k)) > 0 ? sc(static_cast<Eigen::Index>(k)) : 0.1 * one, 1e-12);
    }
  }
  int total_iterations = 0;
  int stage = 0;
  const auto started = std::chrono::steady_clock::now();
  auto solve = [&](auto&& is_free) {
    // Only the stage's free parameters are Ceres' unknowns: the forward-difference Jacobian
    // then costs one model evaluation per free parameter, not per parameter of the model
    // (stage 1 frees 7 of 33).
    std::vector<std::size_t> free;
    for (std::size_t i = 0; i < m.size(); ++i)
      if (is_free(i) && !(s.le_bail && m.is_scale(i))) free.push_back(i);
    if (free.empty()) return;
    std::vector<double> u(free.size());
    for (std::size_t j = 0; j < free.size(); ++j) u[j] = v[free[j]];
    auto* cost = new StageCost(m, free, v, s.le_bail);
    ceres::Problem pb;
    pb.AddResidualBlock(cost, nullptr, u.data());
    auto column = [&](std::size_t i) {
      const auto it = std::find(free.begin(), free.end(), i);
      return it == free.end() ? -1 : static_cast<int>(it - free.begin());
    };
    for (std::size_t k = 0; k < P; ++k)
      if (const int j = column(scale_index(k)); j >= 0) pb.SetParameterLowerBound(u.data(), j, 0.0);
    // Widths: the Lorentzian terms and the Gaussian U and W stay positive (a negative
    // Gaussian variance would be clamped and stall the fit).
    for (const char* n : {"X", "Y", "U", "W"})
      if (const int j = column(m.index(n)); j >= 0) pb.SetParameterLowerBound(u.data(), j, 0.0);
    for (std::size_t i = 0; i < m.size(); ++i)
      if (const int j = column(i); j >= 0 && m.is_po(i))
        pb.SetParameterLowerBound(u.data(), j, 0.05), pb.SetParameterUpperBound(u.data(), j, 5.0);
    ceres::Solver::Options o;
    o.max_num_iterations = s.max_iterations;
    o.linear_solver_type = ceres::DENSE_QR;
    o.logging_type = ceres::SILENT;
    o.function_tolerance = 1e-9;
    ++stage;
    Progress cb(s.progress, started, stage, s.progress_after_s);
    if (s.progress) o.callbacks.push_back(&cb);
    ceres::Solver::Summary sum;
    ceres::Solve(o, &pb, &sum);
    for (std::size_t j = 0; j < free.size(); ++j) v[free[j]] = u[j];
    total_iterations += static_cast<int>(sum.iterations.size());
  };
  const std::size_t nb = static_cast<std::size_t>(s.background_terms);
  auto is_bkg = [&](std::size_t i) { return i >= m.bkg0() && i < m.bkg0() + nb; };
  // Stages as in GSAS-II's tutorial: scale and background; + cell and zero; + profile;
  // + displacement and structure.
  auto stage1 = [&](std::size_t i) { return m.is_scale(i) || is_bkg(i); };
  auto stage2 = [&](std::size_t i) { return stage1(i) || (s.cell && m.is_cell(i)) || (s.zero && m.names()[i] == "zero"); };
  // Profile: W, X, Y first (a free V early can push U tan^2 + V tan + W below zero), then U and V.
  auto stage3 = [&](std::size_t i) { return stage2(i) || (s.profile && m.is_profile(i) && m.names()[i] != "U" && m.names()[i] != "V"); };
  auto stage4 = [&](std::size_t i) {
    return stage3(i) || (s.profile && m.is_profile(i)) || (s.displacement && m.names()[i] == "displacement_mm") ||
           (!s.le_bail && ((s.uiso && m.is_uiso(i)) || (s.positions && m.is_pos(i)) || m.is_po(i)));
  };
  if (s.le_bail) {
    for (int round = 0; round < 4; ++round) {
      m.extract(v.data(), 5);
      solve(round == 0 ? std::function<bool(std::size_t)>(stage1) : std::function<bool(std::size_t)>(stage4));
    }
    m.extract(v.data(), 5);
  } else {
    solve(stage1);
    solve(stage2);
    solve(stage3);
    solve(stage4);
  }

  RefineResult r;
  r.iterations = total_iterations;
  r.profile = m.profile(v.data());
  r.instrument = m.instrument(v.data());
  r.background.assign(v.begin() + static_cast<std::ptrdiff_t>(m.bkg0()), v.begin() + static_cast<std::ptrdiff_t>(m.bkg0() + nb));
  r.two_theta_deg = m.x();
  r.observed = m.y();
  m.calc(v.data(), r.calculated);
  for (double t : m.x()) r.background_curve.push_back(chebyshev_background(r.background, t, m.lo(), m.hi()));
  double zmv_sum = 0;
  for (std::size_t k = 0; k < P; ++k) {
    PhaseResult ph;
    ph.crystal = m.crystal(v.data(), k);
    ph.scale = v[scale_index(k)];
    std::vector<double> t2;
    m.intensities(v.data(), k, ph.intensities, ph.reflection_two_theta_deg, t2);
    const auto F = structure_factors(ph.crystal, m.hkl(k));
    for (std::size_t j = 0; j < m.hkl(k).size(); ++j) {
      Reflection x;
      x.h = m.hkl(k)[j][0], x.k = m.hkl(k)[j][1], x.l = m.hkl(k)[j][2];
      x.multiplicity = m.mult(k)[j];
      x.d_Ang = d_spacing_Ang(ph.crystal, x.h, x.k, x.l);
      x.two_theta_deg = ph.reflection_two_theta_deg[j];
      x.F = F[j];
      ph.reflections.push_back(x);
    }
    // Hill & Howard: weight fraction proportional to S Z M V.
    ph.weight_fraction = ph.scale * cell_mass_g_mol(ph.crystal) * ph.crystal.volume_Ang3();
    zmv_sum += ph.weight_fraction;
    r.phases.push_back(std::move(ph));
  }
  for (auto& ph : r.phases) ph.weight_fraction = s.le_bail || !(zmv_sum > 0) ? 0.0 : ph.weight_fraction / zmv_sum;
  r.crystal = r.phases[0].crystal;
  r.scale = r.phases[0].scale;
  r.reflections = r.phases[0].reflections;
  r.intensities = r.phases[0].intensities;
  r.reflection_two_theta_deg = r.phases[0].reflection_two_theta_deg;
  // Agreement factors over the refined points.
  double sw = 0, swo = 0, sa = 0, so = 0;
  for (std::size_t i = 0; i < m.points(); ++i) {
    const double d = m.y()[i] - r.calculated[i];
    sw += m.w()[i] * d * d;
    swo += m.w()[i] * m.y()[i] * m.y()[i];
    sa += std::fabs(d);
    so += m.y()[i];
  }
  // Free parameters of the last stage.
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < m.size(); ++i)
    if (stage4(i) && !(s.le_bail && m.is_scale(i))) free.push_back(i);
  const double dof = std::max(1.0, static_cast<double>(m.points()) - static_cast<double>(free.size()));
  r.Rp = sa / so;
  r.Rwp = std::sqrt(sw / swo);
  r.Rexp = std::sqrt(dof / swo);
  r.gof = r.Rwp / r.Rexp;
  // Standard errors: numerical Jacobian of the free parameters, scaled by chi2/dof.
  {
    Cost c{m};
    std::vector<double> r0(m.points()), r1(m.points());
    const double* p0 = v.data();
    c(&p0, r0.data());
    Eigen::MatrixXd J(static_cast<Eigen::Index>(m.points()), static_cast<Eigen::Index>(free.size()));
    std::vector<double> vp = v;
    for (std::size_t j = 0; j < free.size(); ++j) {
      const std::size_t i = free[j];
      const double h = 1e-6 * std::max(std::fabs(v[i]), 1e-3);
      vp[i] = v[i] + h;
      const double* pp = vp.data();
      c(&pp, r1.data());
      vp[i] = v[i];
      for (std::size_t q = 0; q < m.points(); ++q) J(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)) = (r1[q] - r0[q]) / h;
    }
    const Eigen::MatrixXd cov = fit::covariance_from_jacobian(J, sw, dof);
    for (std::size_t j = 0; j < free.size(); ++j) {
      r.values.emplace_back(m.names()[free[j]], v[free[j]]);
      r.errors.emplace_back(m.names()[free[j]], std::sqrt(std::max(cov(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j)), 0.0)));
    }
    std::size_t correlated = 0;
    std::string first_pair;
    for (std::size_t a = 0; a < free.size(); ++a)
      for (std::size_t b = a + 1; b < free.size(); ++b) {
        const double ca = cov(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(a)),
                     cb = cov(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(b));
        if (!(ca > 0 && cb > 0)) continue;
        const double rho = cov(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) / std::sqrt(ca * cb);
        if (std::fabs(rho) > 0.95 && correlated++ == 0)
          first_pair = fmt::format("{} and {} ({:+.3f})", m.names()[free[a]], m.names()[free[b]], rho);
      }
    if (correlated)
      r.warnings.push_back(
          fmt::format("{} parameter pair(s) correlated above 0.95, e.g. {}: the data determine combinations of "
                      "them",
                      correlated, first_pair));
  }
  // Displacement parameters outside what atoms do.
  if (!s.le_bail)
    for (const auto& ph : r.phases)
      for (const auto& site : ph.crystal.sites)
        if (site.u_iso_Ang2 < 0 || site.u_iso_Ang2 > 0.1)
          r.warnings.push_back(
              fmt::format("Uiso of {} is {:.4f} A^2, outside 0-0.1 A^2: unphysical (absorption, roughness or a "
                          "wrong model); fix it or constrain it",
                          site.label, site.u_iso_Ang2));
  // Observed intensity above the background that the calculated pattern leaves out.
  {
    double unexplained = 0, total = 0;
    for (std::size_t i = 0; i < m.points(); ++i) {
      const double sigma = 1 / std::sqrt(std::max(m.w()[i], 1e-300));
      total += std::max(0.0, m.y()[i] - r.background_curve[i]);
      unexplained += std::max(0.0, m.y()[i] - r.calculated[i] - 3 * sigma);
    }
    if (total > 0 && unexplained > 0.1 * total)
      r.warnings.push_back(
          fmt::format("{:.0f} % of the observed intensity above the background is not explained by the model's "
                      "reflections: peaks it does not index (a wrong or a missing phase)",
                      100 * unexplained / total));
  }
  return r;
}

}  // namespace castor::xrd
