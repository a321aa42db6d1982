// castor's one standard-error routine: the parameter covariance of a least-squares fit,
// (J^T J)^+ x chi2 / max(1, dof), with J the Jacobian of the weighted residuals at the
// solution (a pseudo-inverse, so a parameter the data do not determine gets a huge
// variance, not a crash). Used by the EIS, XPS, XRD peak and Rietveld fits.
#pragma once

#include <Eigen/Dense>
#include <ceres/ceres.h>

namespace castor::fit {

Eigen::MatrixXd covariance_from_jacobian(const Eigen::MatrixXd& jacobian, double chi_square, double degrees_of_freedom);
// The same after a Ceres solve: J from the problem at its solution, chi2 = 2 cost,
// dof = residuals - parameters.
Eigen::MatrixXd parameter_covariance(ceres::Problem& problem);

}  // namespace castor::fit
