// Standard errors after a Ceres least-squares solve: the parameter covariance
// (J^T J)^+ x 2 cost / max(1, residuals - parameters), with J evaluated at the solution.
#pragma once

#include <Eigen/Dense>
#include <ceres/ceres.h>

namespace castor::fit {

Eigen::MatrixXd parameter_covariance(ceres::Problem& problem);

}  // namespace castor::fit
