// Non-negative least squares: min |A x - b| subject to x >= 0 (Lawson and Hanson's
// active-set method, "Solving Least Squares Problems", 1974, chapter 23).
#pragma once

#include <Eigen/Dense>

namespace castor::eis {

// Returns x >= 0; stops after max_iterations outer iterations (3 x columns by default).
Eigen::VectorXd nnls(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, int max_iterations = 0);

}  // namespace castor::eis
