#include "castor/fit/detail/covariance.h"

#include <algorithm>

namespace castor::fit {

Eigen::MatrixXd parameter_covariance(ceres::Problem& problem) {
  double cost = 0;
  ceres::CRSMatrix J;
  problem.Evaluate(ceres::Problem::EvaluateOptions(), &cost, nullptr, nullptr, &J);
  Eigen::MatrixXd Jd = Eigen::MatrixXd::Zero(J.num_rows, J.num_cols);
  for (int i = 0; i < J.num_rows; ++i)
    for (int k = J.rows[i]; k < J.rows[i + 1]; ++k) Jd(i, J.cols[k]) = J.values[k];
  const double dof = std::max(1, J.num_rows - J.num_cols);
  return (Jd.transpose() * Jd).completeOrthogonalDecomposition().pseudoInverse() * (2 * cost / dof);
}

}  // namespace castor::fit
