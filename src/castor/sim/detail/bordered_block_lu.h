// A direct solver for the simulator's Jacobian, which is block diagonal with a border:
//
//     [ D_0            B_0 ]   particle group q: its volumes and its current (a band
//     [      D_1       B_1 ]   matrix D_q); the groups are coupled only through a few
//     [           ...  ... ]   shared unknowns (potential, cell current, charges, ...):
//     [ C_0  C_1  ...  E   ]   the border columns B_q, the border rows C_q and E.
//
// Each D_q is factorised as a band matrix (LU with partial pivoting, LAPACK's gbtf2
// scheme), then the Schur complement S = E - sum_q C_q D_q^-1 B_q over the border is
// formed and factorised (dense, full pivoting); a solve is one band solve per group and
// one small dense solve. The work is linear in the number of groups. Rows are equilibrated
// first (the logit rows carry a factor 1 / (y (1 - y)) that can reach 1e300).
//
// SUNDIALS' KLU wrapper re-ran KLU's full analysis and factorisation at every setup (its
// condition estimate on these rows is ~1e52), which took ~45 % of a 100-group cycle
// (docs/performance.md).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <sundials/sundials_context.h>
#include <sundials/sundials_linearsolver.h>
#include <sundials/sundials_types.h>

namespace castor::sim::detail {

class BorderedBlockLU {
 public:
  // blocks of block_size unknowns each, from index 0, then border unknowns to the end.
  BorderedBlockLU(std::size_t blocks, std::size_t block_size, std::size_t border);

  // Factorises the n x n matrix in compressed-column form (n = blocks * block_size +
  // border). Returns false, with why(), if an entry couples two different blocks or a
  // pivot is zero or not finite (a singular or unrepresentable matrix).
  bool factor(const sunindextype* col_ptr, const sunindextype* row_idx, const double* values);
  // Solves A x = b in place (after a successful factor()).
  void solve(double* b) const;
  const std::string& why() const { return why_; }
  std::size_t size() const { return nb_ + ne_; }

 private:
  double& band(std::size_t q, std::size_t i, std::size_t j) { return ab_[q * m_ * ld_ + j * ld_ + (kv_ + i - j)]; }
  double band(std::size_t q, std::size_t i, std::size_t j) const { return ab_[q * m_ * ld_ + j * ld_ + (kv_ + i - j)]; }
  bool factor_block(std::size_t q);
  void solve_block(std::size_t q, double* b) const;
  void solve_blocks(double* b) const;  // every block's band solve on b (nb_ values)

  std::size_t P_, m_, ne_, nb_;
  std::size_t kl_ = 0, ku_ = 0, kv_ = 0, ld_ = 1;
  std::vector<double> ab_;         // band storage of every block, ld_ rows per column
  std::vector<std::size_t> piv_;   // row interchanges, per block
  std::vector<double> inv_diag_;   // 1 / U(j, j), per block
  std::vector<double> row_scale_;  // equilibration: row i multiplied by row_scale_[i]
  struct Entry {
    std::size_t block, local, border;
    double value;
  };
  std::vector<Entry> b_entries_, c_entries_;  // B: (block row, border column); C: (border row, block column)
  std::vector<double> e_;                     // E, then S, then S's LU factors (ne x ne, row-major)
  std::vector<std::size_t> border_cols_;      // per block: the border columns B_q uses
  std::vector<std::size_t> border_cols_ptr_;
  std::vector<double> x_;                             // D_q^-1 B_q(:, c) for those columns, m_ each
  std::vector<std::size_t> s_perm_row_, s_perm_col_;  // S's LU (in e_): row and column interchanges
  mutable std::vector<double> work_;
  std::string why_;
};

// A SUNDIALS linear solver (direct type, for a sparse CSC SUNMatrix) that runs a
// BorderedBlockLU. why points at a string that receives the reason of a failed setup.
SUNLinearSolver make_bordered_block_solver(SUNContext sun, std::size_t blocks, std::size_t block_size, std::size_t border,
                                           std::string* why);

}  // namespace castor::sim::detail
