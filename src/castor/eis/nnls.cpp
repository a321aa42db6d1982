#include "castor/eis/detail/nnls.h"

#include <limits>
#include <vector>

namespace castor::eis {

Eigen::VectorXd nnls(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, int max_iterations) {
  const Eigen::Index n = A.cols();
  if (max_iterations <= 0) max_iterations = static_cast<int>(3 * n + 10);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(static_cast<std::size_t>(n), false);
  const double tol = 1e-12 * A.norm() * b.norm() + std::numeric_limits<double>::min();
  auto solve_passive = [&](Eigen::VectorXd& z) {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index k = 0; k < n; ++k)
      if (passive[static_cast<std::size_t>(k)]) idx.push_back(k);
    Eigen::MatrixXd Ap(A.rows(), static_cast<Eigen::Index>(idx.size()));
    for (std::size_t j = 0; j < idx.size(); ++j) Ap.col(static_cast<Eigen::Index>(j)) = A.col(idx[j]);
    const Eigen::VectorXd zp = Ap.colPivHouseholderQr().solve(b);
    z = Eigen::VectorXd::Zero(n);
    for (std::size_t j = 0; j < idx.size(); ++j) z(idx[j]) = zp(static_cast<Eigen::Index>(j));
  };
  for (int it = 0; it < max_iterations; ++it) {
    const Eigen::VectorXd w = A.transpose() * (b - A * x);
    Eigen::Index best = -1;
    double wmax = tol;
    for (Eigen::Index k = 0; k < n; ++k)
      if (!passive[static_cast<std::size_t>(k)] && w(k) > wmax) wmax = w(k), best = k;
    if (best < 0) break;
    passive[static_cast<std::size_t>(best)] = true;
    Eigen::VectorXd z;
    for (int inner = 0; inner < 3 * n + 10; ++inner) {
      solve_passive(z);
      bool feasible = true;
      for (Eigen::Index k = 0; k < n; ++k)
        if (passive[static_cast<std::size_t>(k)] && z(k) <= 0) feasible = false;
      if (feasible) break;
      double alpha = 1;
      for (Eigen::Index k = 0; k < n; ++k)
        if (passive[static_cast<std::size_t>(k)] && z(k) <= 0) alpha = std::min(alpha, x(k) / (x(k) - z(k)));
      x += alpha * (z - x);
      for (Eigen::Index k = 0; k < n; ++k)
        if (passive[static_cast<std::size_t>(k)] && x(k) <= 1e-15 * (1 + x.cwiseAbs().maxCoeff())) {
          passive[static_cast<std::size_t>(k)] = false;
          x(k) = 0;
        }
    }
    x = z;
    for (Eigen::Index k = 0; k < n; ++k)
      if (x(k) < 0) x(k) = 0;
  }
  return x;
}

}  // namespace castor::eis
