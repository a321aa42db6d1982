// The simulator's bordered block solver (src/castor/sim/bordered_block_lu.cpp) against a
// dense LU of the same matrix: banded blocks that need pivoting, rows scaled by up to 1e250
// (the logit rows), border rows and columns touching only some of a block, duplicates in
// the compressed columns; and its refusals (a coupling between blocks, a singular block).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include "castor/sim/detail/bordered_block_lu.h"

namespace {

using castor::sim::detail::BorderedBlockLU;

struct Csc {
  std::vector<sunindextype> ptr, idx;
  std::vector<double> val;
};

// Dense to compressed columns, each nonzero written as two halves (duplicates add up).
Csc to_csc(const Eigen::MatrixXd& A) {
  Csc c;
  c.ptr.push_back(0);
  for (Eigen::Index j = 0; j < A.cols(); ++j) {
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      if (A(i, j) != 0) {
        c.idx.push_back(i), c.val.push_back(0.5 * A(i, j));
        c.idx.push_back(i), c.val.push_back(0.5 * A(i, j));
      }
    c.ptr.push_back(static_cast<sunindextype>(c.idx.size()));
  }
  return c;
}

Eigen::MatrixXd bordered(std::size_t P, std::size_t m, std::size_t ne, int kl, int ku, std::mt19937& rng) {
  std::normal_distribution<double> g(0.0, 1.0);
  std::uniform_real_distribution<double> u(-250.0, 250.0);
  const auto n = static_cast<Eigen::Index>(P * m + ne), nb = static_cast<Eigen::Index>(P * m);
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(n, n);
  for (std::size_t q = 0; q < P; ++q)
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(m); ++i)
      for (Eigen::Index j = std::max<Eigen::Index>(0, i - kl); j <= std::min<Eigen::Index>(static_cast<Eigen::Index>(m) - 1, i + ku); ++j) {
        const auto o = static_cast<Eigen::Index>(q * m);
        // Small diagonals: partial pivoting has to swap rows.
        A(o + i, o + j) = (i == j ? 1e-3 : 1.0) * g(rng);
      }
  for (std::size_t q = 0; q < P; ++q) {
    const auto last = static_cast<Eigen::Index>(q * m + m - 1);
    for (Eigen::Index c = nb; c < n; c += 2) A(last, c) = g(rng);   // border columns: the block's last row
    for (Eigen::Index r = nb; r < n - 1; ++r) A(r, last) = g(rng);  // border rows: its last column
    A(nb + 1, static_cast<Eigen::Index>(q * m)) = g(rng);           // and its first
  }
  for (Eigen::Index i = nb; i < n; ++i)
    for (Eigen::Index j = nb; j < n; ++j) A(i, j) = g(rng);
  for (Eigen::Index i = 0; i < n; ++i) A.row(i) *= std::pow(10.0, u(rng));  // rows scaled as far as 1e+-250
  return A;
}

TEST(BorderedBlockLU, SolvesLikeADenseLU) {
  std::mt19937 rng(11);
  for (const auto& [P, m, ne, kl, ku] : std::vector<std::tuple<std::size_t, std::size_t, std::size_t, int, int>>{
           {1, 1, 1, 0, 0}, {3, 5, 2, 1, 1}, {10, 21, 7, 2, 2}, {4, 8, 3, 1, 3}, {2, 6, 4, 5, 5}}) {
    const Eigen::MatrixXd A = bordered(P, m, ne, kl, ku, rng);
    const Csc c = to_csc(A);
    BorderedBlockLU lu(P, m, ne);
    ASSERT_TRUE(lu.factor(c.ptr.data(), c.idx.data(), c.val.data())) << lu.why();
    Eigen::VectorXd x_true = Eigen::VectorXd::Random(A.rows());
    Eigen::VectorXd b = A * x_true;
    std::vector<double> x(b.data(), b.data() + b.size());
    lu.solve(x.data());
    // The reference: a dense LU of the row-equilibrated matrix (as conditioned as the solver's).
    Eigen::VectorXd scale = A.cwiseAbs().rowwise().maxCoeff().cwiseInverse();
    const Eigen::VectorXd x_dense = (scale.asDiagonal() * A).fullPivLu().solve(scale.asDiagonal() * b);
    for (Eigen::Index i = 0; i < A.rows(); ++i) {
      EXPECT_NEAR(x[static_cast<std::size_t>(i)], x_true(i), 1e-7 * (1 + std::fabs(x_true(i)))) << P << "x" << m << " unknown " << i;
      EXPECT_NEAR(x[static_cast<std::size_t>(i)], x_dense(i), 1e-7 * (1 + std::fabs(x_dense(i)))) << P << "x" << m << " unknown " << i;
    }
    // A second right-hand side with the same factors.
    Eigen::VectorXd y(A.rows());
    for (Eigen::Index i = 0; i < A.rows(); ++i) y(i) = static_cast<double>(i % 3) - 1;
    b = A * y;
    x.assign(b.data(), b.data() + b.size());
    lu.solve(x.data());
    for (Eigen::Index i = 0; i < A.rows(); ++i) EXPECT_NEAR(x[static_cast<std::size_t>(i)], y(i), 1e-7);
  }
}

TEST(BorderedBlockLU, RefusesCouplingsBetweenBlocksAndSingularBlocks) {
  std::mt19937 rng(3);
  Eigen::MatrixXd A = bordered(3, 4, 2, 1, 1, rng);
  A(1, 6) = 1.0;  // block 0's row, block 1's column
  Csc c = to_csc(A);
  BorderedBlockLU lu(3, 4, 2);
  EXPECT_FALSE(lu.factor(c.ptr.data(), c.idx.data(), c.val.data()));
  EXPECT_NE(lu.why().find("couples two particle groups"), std::string::npos) << lu.why();

  A = bordered(3, 4, 2, 1, 1, rng);
  A.block(4, 4, 4, 1).setZero();  // block 1's first column is zero within the block (the border row still has it)
  c = to_csc(A);
  EXPECT_FALSE(lu.factor(c.ptr.data(), c.idx.data(), c.val.data()));
  EXPECT_NE(lu.why().find("group 2"), std::string::npos) << lu.why();

  A = bordered(2, 3, 2, 1, 1, rng);
  A(0, 0) = std::nan("");
  c = to_csc(A);
  EXPECT_FALSE(lu.factor(c.ptr.data(), c.idx.data(), c.val.data()));
  EXPECT_NE(lu.why().find("nan"), std::string::npos) << lu.why();
}

}  // namespace
