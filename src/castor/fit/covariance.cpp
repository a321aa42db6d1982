#include "castor/fit/detail/covariance.h"

#include <algorithm>

namespace castor::fit {

Eigen::MatrixXd covariance_from_jacobian(const Eigen::MatrixXd& J, double chi_square, double dof) {
  return (J.transpose() * J).completeOrthogonalDecomposition().pseudoInverse() * (chi_square / std::max(1.0, dof));
}

Eigen::MatrixXd parameter_covariance(ceres::Problem& problem) {
  double cost = 0;
  ceres::CRSMatrix J;
  problem.Evaluate(ceres::Problem::EvaluateOptions(), &cost, nullptr, nullptr, &J);
  Eigen::MatrixXd Jd = Eigen::MatrixXd::Zero(J.num_rows, J.num_cols);
  for (int i = 0; i < J.num_rows; ++i)
    for (int k = J.rows[i]; k < J.rows[i + 1]; ++k) Jd(i, J.cols[k]) = J.values[k];
  return covariance_from_jacobian(Jd, 2 * cost, J.num_rows - J.num_cols);
}

}  // namespace castor::fit
