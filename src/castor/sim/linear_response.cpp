#include "castor/sim/detail/linear_response.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include <Eigen/Sparse>
#include <fmt/format.h>

#include "castor/core/error.h"

namespace castor::sim::detail {

SimulatedSpectrum linear_response(Model& model, double* xv, const ProtocolStep& s, std::size_t si, double rs) {
  const std::size_t n = model.size();
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
  const bool listed = !s.frequencies_Hz.empty();
  const int n_f = listed ? static_cast<int>(s.frequencies_Hz.size())
                         : std::max(2, static_cast<int>(std::lround(std::log10(hi / lo) * s.points_per_decade)) + 1);
  Eigen::SparseMatrix<C> A(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  Eigen::SparseLU<Eigen::SparseMatrix<C>> lu;
  Eigen::VectorXcd b = Eigen::VectorXcd::Zero(static_cast<Eigen::Index>(n));
  b(static_cast<Eigen::Index>(model.icell())) = 1.0;
  for (int k = 0; k < n_f; ++k) {
    const double f = listed ? s.frequencies_Hz[static_cast<std::size_t>(k)]
                            : s.f_start_Hz * std::pow(s.f_end_Hz / s.f_start_Hz, static_cast<double>(k) / (n_f - 1));
    if (!(f > 0 && std::isfinite(f)))
      throw Error(fmt::format("simulator: step {} '{}': frequency {} Hz is not positive", si + 1, s.text, f));
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
    sp.z_ohm.push_back(dx(static_cast<Eigen::Index>(model.phi())) + dx(static_cast<Eigen::Index>(model.psi())) +
                       rs * dx(static_cast<Eigen::Index>(model.icell())));
  }
  return sp;
}

}  // namespace castor::sim::detail
