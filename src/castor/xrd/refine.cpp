#include "castor/xrd/refine.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <numbers>

#include <Eigen/Dense>
#include <ceres/ceres.h>
#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::xrd {
namespace {

constexpr double kDeg = std::numbers::pi / 180;

double bragg_deg(double d, double lambda) {
  const double s = lambda / (2 * d);
  return s < 1 ? 2 * std::asin(s) / kDeg : 180.0;
}

class Model {
 public:
  Model(const Pattern& p, const Crystal& start, const Instrument& inst, const Caglioti& prof, const RefineSettings& s)
      : s_(s), base_(start), inst_(inst), sys_(cell_system(start)) {
    for (std::size_t i = 0; i < p.counts.size(); ++i) {
      const double t = p.two_theta_deg[i];
      if (t < s.two_theta_min_deg || t > s.two_theta_max_deg) continue;
      x_.push_back(t);
      y_.push_back(p.counts[i]);
      w_.push_back(1 / std::pow(std::max(p.sigma[i], 1e-6), 2));
    }
    if (x_.size() < 20) throw Error(p.source, "XRD", "fewer than 20 points inside the refinement limits");
    lo_ = x_.front(), hi_ = x_.back();
    step_ = (hi_ - lo_) / static_cast<double>(x_.size() - 1);
    // Reflections a little beyond the range (the cell may grow); hkl stay fixed.
    const double lam = std::max(inst.ka1_A, inst.ka2_A);
    const auto refl = reflections(start, lam, std::min(hi_ + 3, 179.0), std::max(lo_ - 3, 0.01), false);
    for (const auto& r : refl) hkl_.push_back({r.h, r.k, r.l}), mult_.push_back(r.multiplicity);
    if (hkl_.empty()) throw Error(p.source, "XRD", fmt::format("{} has no reflections in {:.2f}-{:.2f} deg", start.name, lo_, hi_));
    for (std::size_t k = 0; k < start.sites.size(); ++k) dirs_.push_back(free_directions(start, k));
    // Layout and starting values.
    add("scale", 1.0);
    for (int n = 0; n < s.background_terms; ++n) add(fmt::format("bkg{}", n), 0.0);
    const auto cell = free_cell(start, sys_);
    const char* cn[] = {"a", "b", "c", "alpha", "beta", "gamma"};
    const auto names = sys_ == CellSystem::cubic                                        ? std::vector<int>{0}
                       : sys_ == CellSystem::tetragonal || sys_ == CellSystem::hexagonal ? std::vector<int>{0, 2}
                       : sys_ == CellSystem::orthorhombic                               ? std::vector<int>{0, 1, 2}
                       : sys_ == CellSystem::monoclinic                                 ? std::vector<int>{0, 1, 2, 4}
                                                                                        : std::vector<int>{0, 1, 2, 3, 4, 5};
    for (std::size_t k = 0; k < cell.size(); ++k) add(cn[names[k]], cell[k]);
    add("zero", inst.zero_deg);
    add("displacement_mm", inst.displacement_mm);
    for (const auto& [n, v] : {std::pair{"U", prof.U}, {"V", prof.V}, {"W", prof.W}, {"X", prof.X}, {"Y", prof.Y}}) add(n, v);
    for (const auto& st : start.sites) add("Uiso " + st.label, st.u_iso_A2);
    for (std::size_t k = 0; k < start.sites.size(); ++k)
      for (std::size_t d = 0; d < dirs_[k].size(); ++d) add(fmt::format("pos {} {}", start.sites[k].label, d), 0.0);
    ncell_ = cell.size();
    lebail_I_.assign(hkl_.size(), 1.0);
  }

  std::size_t size() const { return names_.size(); }
  std::size_t points() const { return x_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  std::vector<double>& values() { return v_; }
  std::size_t index(const std::string& n) const {
    return static_cast<std::size_t>(std::find(names_.begin(), names_.end(), n) - names_.begin());
  }
  bool is_cell(std::size_t i) const { return i >= index("bkg0") + static_cast<std::size_t>(s_.background_terms) && i < index("zero"); }
  bool is_profile(std::size_t i) const { return i >= index("U") && i <= index("Y"); }
  bool is_uiso(std::size_t i) const { return names_[i].starts_with("Uiso "); }
  bool is_pos(std::size_t i) const { return names_[i].starts_with("pos "); }

  Crystal crystal(const double* v) const {
    Crystal c = base_;
    std::vector<double> cell(v + index("bkg0") + s_.background_terms, v + index("bkg0") + s_.background_terms + ncell_);
    set_free_cell(c, sys_, cell);
    for (std::size_t k = 0; k < c.sites.size(); ++k) {
      c.sites[k].u_iso_A2 = v[index("Uiso " + base_.sites[k].label)];
      for (std::size_t d = 0; d < dirs_[k].size(); ++d) {
        const double a = v[index(fmt::format("pos {} {}", base_.sites[k].label, d))];
        c.sites[k].x += a * dirs_[k][d][0];
        c.sites[k].y += a * dirs_[k][d][1];
        c.sites[k].z += a * dirs_[k][d][2];
      }
    }
    return c;
  }
  Caglioti profile(const double* v) const {
    const std::size_t u = index("U");
    return Caglioti{v[u], v[u + 1], v[u + 2], v[u + 3], v[u + 4]};
  }
  Instrument instrument(const double* v) const {
    Instrument i = inst_;
    i.zero_deg = v[index("zero")];
    i.displacement_mm = v[index("displacement_mm")];
    return i;
  }
  double background_at(const double* v, double t) const {
    std::vector<double> c(v + index("bkg0"), v + index("bkg0") + s_.background_terms);
    return chebyshev_background(c, t, lo_, hi_);
  }

  // Integrated intensities (Ka1 line) and positions of every reflection.
  void intensities(const double* v, std::vector<double>& I, std::vector<double>& t1, std::vector<double>& t2) const {
    const Crystal c = crystal(v);
    const Instrument in = instrument(v);
    I.assign(hkl_.size(), 0);
    t1.assign(hkl_.size(), 0);
    t2.assign(hkl_.size(), 0);
    std::vector<std::complex<double>> F;
    if (!s_.le_bail) F = structure_factors(c, hkl_);
    for (std::size_t k = 0; k < hkl_.size(); ++k) {
      const double d = d_spacing_A(c, hkl_[k][0], hkl_[k][1], hkl_[k][2]);
      const double tt = bragg_deg(d, in.ka1_A);
      const double shift = in.zero_deg - 2 * in.displacement_mm * std::cos(tt * kDeg / 2) / in.radius_mm / kDeg;
      t1[k] = tt + shift;
      t2[k] = in.ka2_A > 0 ? bragg_deg(d, in.ka2_A) + shift : 0;
      I[k] = s_.le_bail ? lebail_I_[k] : v[0] * mult_[k] * std::norm(F[k]) * lorentz_polarisation(tt, in.monochromator_deg);
    }
  }

  // Calculated pattern; optionally each reflection's unit-intensity profile accumulated as
  // sum_i Omega_ik (y_obs - b)/(y_calc - b) for the Le Bail extraction.
  void calc(const double* v, std::vector<double>& yc, std::vector<double>* lebail_sum = nullptr) const {
    std::vector<double> I, t1, t2;
    intensities(v, I, t1, t2);
    const Caglioti pr = profile(v);
    const Instrument in = instrument(v);
    yc.assign(x_.size(), 0.0);
    std::vector<double> bk(x_.size());
    for (std::size_t i = 0; i < x_.size(); ++i) bk[i] = background_at(v, x_[i]);
    auto each_line = [&](auto&& fn) {
      for (std::size_t k = 0; k < hkl_.size(); ++k)
        for (int line = 0; line < (in.ka2_A > 0 ? 2 : 1); ++line) {
          const double c = line == 0 ? t1[k] : t2[k];
          const double wgt = line == 0 ? 1.0 : in.ka2_ratio;
          double f, eta;
          pr.widths(c, f, eta);
          const double half = s_.window_fwhm * f;
          if (c + half < lo_ || c - half > hi_) continue;
          const auto a = static_cast<std::size_t>(std::max(0.0, std::floor((c - half - lo_) / step_)));
          const auto b = std::min(x_.size() - 1, static_cast<std::size_t>(std::ceil((c + half - lo_) / step_)));
          for (std::size_t i = a; i <= b; ++i)
            if (std::fabs(x_[i] - c) <= half) fn(k, i, wgt * pseudo_voigt(x_[i] - c, f, eta));
        }
    };
    each_line([&](std::size_t k, std::size_t i, double om) { yc[i] += I[k] * om; });
    if (lebail_sum) {
      lebail_sum->assign(hkl_.size(), 0.0);
      each_line([&](std::size_t k, std::size_t i, double om) {
        // om is a density (1/deg): om x step is the share of point i.
        if (yc[i] > 1e-12) (*lebail_sum)[k] += I[k] * om * step_ * std::max(y_[i] - bk[i], 0.0) / yc[i];
      });
    }
    for (std::size_t i = 0; i < x_.size(); ++i) yc[i] += bk[i];
  }

  // Le Bail: I_k <- sum_i Omega_ik I_k (y_obs - b) / (y_calc - b), a few passes.
  void extract(const double* v, int passes) {
    for (int it = 0; it < passes; ++it) {
      std::vector<double> yc, sum;
      calc(v, yc, &sum);
      // sum holds the counts shared out to both lines of each reflection; I is the Ka1 part.
      const double lines = 1 + (inst_.ka2_A > 0 ? inst_.ka2_ratio : 0.0);
      for (std::size_t k = 0; k < sum.size(); ++k) lebail_I_[k] = std::max(sum[k] / lines, 1e-9);
    }
  }

  const std::vector<double>& x() const { return x_; }
  const std::vector<double>& y() const { return y_; }
  const std::vector<double>& w() const { return w_; }
  const std::vector<std::array<int, 3>>& hkl() const { return hkl_; }
  const std::vector<int>& mult() const { return mult_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }

 private:
  void add(const std::string& n, double v) { names_.push_back(n), v_.push_back(v); }
  const RefineSettings& s_;
  Crystal base_;
  Instrument inst_;
  CellSystem sys_;
  std::vector<double> x_, y_, w_;
  double lo_ = 0, hi_ = 0, step_ = 0;
  std::vector<std::array<int, 3>> hkl_;
  std::vector<int> mult_;
  std::vector<std::vector<std::array<double, 3>>> dirs_;
  std::vector<std::string> names_;
  std::vector<double> v_;
  std::size_t ncell_ = 0;
  std::vector<double> lebail_I_;
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

}  // namespace

Instrument Instrument::from_pattern(const Pattern& p) {
  Instrument i;
  if (p.ka1_A > 0) {
    i.ka1_A = p.ka1_A;
    i.ka2_A = p.ka2_A;
    i.ka2_ratio = p.ka2_A > 0 ? (p.ka2_ratio > 0 ? p.ka2_ratio : 0.5) : 0;
  } else {
    i.ka1_A = 1.540593, i.ka2_A = 1.544414, i.ka2_ratio = 0.5;
  }
  if (p.goniometer_radius_mm > 0) i.radius_mm = p.goniometer_radius_mm;
  return i;
}

RefineResult refine(const Pattern& pattern, const Crystal& start, const Instrument& inst, const Caglioti& prof, const RefineSettings& s) {
  if (s.background_terms < 1) throw Error("XRD refinement: at least one background term");
  Model m(pattern, start, inst, prof, s);
  auto& v = m.values();
  // Start: background at the lower quartile of the counts, scale from the peak area.
  {
    std::vector<double> sorted = m.y();
    std::sort(sorted.begin(), sorted.end());
    v[m.index("bkg0")] = sorted[sorted.size() / 4];
    std::vector<double> yc;
    v[0] = 1.0;
    if (s.le_bail) m.extract(v.data(), 1);
    m.calc(v.data(), yc);
    double num = 0, den = 0;
    for (std::size_t i = 0; i < yc.size(); ++i) {
      const double p = yc[i] - v[m.index("bkg0")];
      num += p * (m.y()[i] - v[m.index("bkg0")]);
      den += p * p;
    }
    if (!(den > 0)) throw Error(pattern.source, "XRD", "the model has no intensity in the refinement range");
    if (s.le_bail) v[0] = 1.0;
    else v[0] = std::max(num / den, 1e-12);
  }
  int total_iterations = 0;
  auto solve = [&](auto&& is_free) {
    auto* cost = new ceres::DynamicNumericDiffCostFunction<Cost, ceres::FORWARD>(new Cost{m});
    cost->AddParameterBlock(static_cast<int>(m.size()));
    cost->SetNumResiduals(static_cast<int>(m.points()));
    ceres::Problem pb;
    pb.AddResidualBlock(cost, nullptr, v.data());
    std::vector<int> fixed;
    for (std::size_t i = 0; i < m.size(); ++i)
      if (!is_free(i) || (s.le_bail && i == 0)) fixed.push_back(static_cast<int>(i));
    if (!fixed.empty()) pb.SetManifold(v.data(), new ceres::SubsetManifold(static_cast<int>(m.size()), fixed));
    if (std::find(fixed.begin(), fixed.end(), 0) == fixed.end()) pb.SetParameterLowerBound(v.data(), 0, 0.0);
    // Widths: the Lorentzian terms and the Gaussian U and W stay positive (a negative
    // Gaussian variance would be clamped and stall the fit).
    for (const char* n : {"X", "Y", "U", "W"}) pb.SetParameterLowerBound(v.data(), static_cast<int>(m.index(n)), 0.0);
    ceres::Solver::Options o;
    o.max_num_iterations = s.max_iterations;
    o.linear_solver_type = ceres::DENSE_QR;
    o.logging_type = ceres::SILENT;
    o.function_tolerance = 1e-9;
    ceres::Solver::Summary sum;
    ceres::Solve(o, &pb, &sum);
    if (std::getenv("CASTOR_DEBUG_REFINE")) fmt::print(stderr, "{}\n", sum.BriefReport());
    total_iterations += static_cast<int>(sum.iterations.size());
  };
  const std::size_t nb = static_cast<std::size_t>(s.background_terms);
  auto is_bkg = [&](std::size_t i) { return i >= m.index("bkg0") && i < m.index("bkg0") + nb; };
  // Stages as in GSAS-II's tutorial: scale and background; + cell and zero; + profile;
  // + displacement and structure.
  auto stage1 = [&](std::size_t i) { return i == 0 || is_bkg(i); };
  auto stage2 = [&](std::size_t i) { return stage1(i) || (s.cell && m.is_cell(i)) || (s.zero && m.names()[i] == "zero"); };
  // Profile: W, X, Y first (a free V early can push U tan^2 + V tan + W below zero), then U and V.
  auto stage3 = [&](std::size_t i) {
    return stage2(i) || (s.profile && m.is_profile(i) && m.names()[i] != "U" && m.names()[i] != "V");
  };
  auto stage4 = [&](std::size_t i) {
    return stage3(i) || (s.profile && m.is_profile(i)) || (s.displacement && m.names()[i] == "displacement_mm") ||
           (!s.le_bail && ((s.uiso && m.is_uiso(i)) || (s.positions && m.is_pos(i))));
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
  r.crystal = m.crystal(v.data());
  r.profile = m.profile(v.data());
  r.instrument = m.instrument(v.data());
  r.scale = v[0];
  r.background.assign(v.begin() + static_cast<std::ptrdiff_t>(m.index("bkg0")), v.begin() + static_cast<std::ptrdiff_t>(m.index("bkg0") + nb));
  r.two_theta_deg = m.x();
  r.observed = m.y();
  m.calc(v.data(), r.calculated);
  for (double t : m.x()) r.background_curve.push_back(chebyshev_background(r.background, t, m.lo(), m.hi()));
  std::vector<double> t2;
  m.intensities(v.data(), r.intensities, r.reflection_two_theta_deg, t2);
  const auto F = structure_factors(r.crystal, m.hkl());
  for (std::size_t k = 0; k < m.hkl().size(); ++k) {
    Reflection x;
    x.h = m.hkl()[k][0], x.k = m.hkl()[k][1], x.l = m.hkl()[k][2];
    x.multiplicity = m.mult()[k];
    x.d_A = d_spacing_A(r.crystal, x.h, x.k, x.l);
    x.two_theta_deg = r.reflection_two_theta_deg[k];
    x.F = F[k];
    r.reflections.push_back(x);
  }
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
    if (stage4(i) && !(s.le_bail && i == 0)) free.push_back(i);
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
    const Eigen::MatrixXd cov = (J.transpose() * J).completeOrthogonalDecomposition().pseudoInverse() * (sw / dof);
    for (std::size_t j = 0; j < free.size(); ++j) {
      r.values.emplace_back(m.names()[free[j]], v[free[j]]);
      r.errors.emplace_back(m.names()[free[j]], std::sqrt(std::max(cov(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j)), 0.0)));
    }
  }
  return r;
}

}  // namespace castor::xrd
