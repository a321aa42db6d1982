#include <algorithm>
#include <cmath>
#include <vector>

#include "castor/sim/detail/cell_model.h"
#include "castor/sim/simulate.h"

namespace castor::sim {

using detail::Mode;
using detail::Model;
using detail::Triplet;

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
  if (model.sei()) x[model.psi()] = 0.01;
  x[model.conc()] = model.electrolyte() ? 0.8 : 1.0;
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

}  // namespace castor::sim
