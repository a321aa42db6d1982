#include "castor/sim/detail/bordered_block_lu.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <utility>

#include <fmt/format.h>
#include <sunmatrix/sunmatrix_sparse.h>

namespace castor::sim::detail {

BorderedBlockLU::BorderedBlockLU(std::size_t blocks, std::size_t block_size, std::size_t border)
    : P_(blocks), m_(block_size), ne_(border), nb_(blocks * block_size) {}

bool BorderedBlockLU::factor(const sunindextype* col_ptr, const sunindextype* row_idx, const double* values) {
  const std::size_t n = nb_ + ne_;
  why_.clear();
  // Row equilibration, and the blocks' bandwidths.
  row_scale_.assign(n, 0.0);
  kl_ = ku_ = 0;
  for (std::size_t j = 0, first = 0; j < n; ++j) {
    if (j < nb_ && j >= first + m_) first += m_;  // the first unknown of column j's block
    for (auto k = col_ptr[j]; k < col_ptr[j + 1]; ++k) {
      const auto i = static_cast<std::size_t>(row_idx[k]);
      const double a = std::fabs(values[k]);
      if (!std::isfinite(a)) {
        why_ = fmt::format("the Jacobian's entry ({}, {}) is {}", i, j, values[k]);
        return false;
      }
      row_scale_[i] = std::max(row_scale_[i], a);
      if (i < nb_ && j < nb_) {
        if (i < first || i >= first + m_) {
          why_ = fmt::format("the Jacobian's entry ({}, {}) couples two particle groups", i, j);
          return false;
        }
        if (i > j) kl_ = std::max(kl_, i - j);
        if (j > i) ku_ = std::max(ku_, j - i);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!(row_scale_[i] > 0)) {
      why_ = fmt::format("row {} of the Jacobian is zero", i);
      return false;
    }
    row_scale_[i] = 1 / row_scale_[i];
  }
  kv_ = kl_ + ku_;
  ld_ = 2 * kl_ + ku_ + 1;
  ab_.assign(P_ * m_ * ld_, 0.0);
  piv_.assign(nb_, 0);
  inv_diag_.assign(nb_, 0.0);
  e_.assign(ne_ * ne_, 0.0);
  b_entries_.clear();
  c_entries_.clear();
  for (std::size_t j = 0; j < n; ++j) {
    // col[i - j] is A(i, j) in the band storage of column j's block (blocks stored one after another).
    double* col = j < nb_ ? ab_.data() + j * ld_ + kv_ : nullptr;
    for (auto k = col_ptr[j]; k < col_ptr[j + 1]; ++k) {
      const auto i = static_cast<std::size_t>(row_idx[k]);
      const double v = values[k] * row_scale_[i];
      if (i < nb_ && j < nb_)
        col[static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(j)] += v;
      else if (i < nb_)
        b_entries_.push_back({i / m_, i % m_, j - nb_, v});
      else if (j < nb_)
        c_entries_.push_back({j / m_, j % m_, i - nb_, v});
      else
        e_[(i - nb_) * ne_ + (j - nb_)] += v;
    }
  }
  auto by_block = [](const Entry& a, const Entry& b) { return a.block != b.block ? a.block < b.block : a.border < b.border; };
  std::sort(b_entries_.begin(), b_entries_.end(), by_block);
  std::sort(c_entries_.begin(), c_entries_.end(), by_block);

  // Factorise the blocks; X_q = D_q^-1 B_q for the border columns B_q uses; S = E - C X.
  border_cols_.clear();
  border_cols_ptr_.assign(P_ + 1, 0);
  x_.clear();
  std::size_t bi = 0, ci = 0;
  for (std::size_t q = 0; q < P_; ++q) {
    if (!factor_block(q)) return false;
    border_cols_ptr_[q] = border_cols_.size();
    const std::size_t first_x = x_.size();
    while (bi < b_entries_.size() && b_entries_[bi].block == q) {
      const std::size_t c = b_entries_[bi].border;
      const std::size_t at = x_.size();
      x_.resize(at + m_, 0.0);
      for (; bi < b_entries_.size() && b_entries_[bi].block == q && b_entries_[bi].border == c; ++bi)
        x_[at + b_entries_[bi].local] += b_entries_[bi].value;
      solve_block(q, x_.data() + at);
      border_cols_.push_back(c);
    }
    const std::size_t cols = border_cols_.size() - border_cols_ptr_[q];
    for (; ci < c_entries_.size() && c_entries_[ci].block == q; ++ci) {
      const Entry& e = c_entries_[ci];
      for (std::size_t k = 0; k < cols; ++k)
        e_[e.border * ne_ + border_cols_[border_cols_ptr_[q] + k]] -= e.value * x_[first_x + k * m_ + e.local];
    }
  }
  border_cols_ptr_[P_] = border_cols_.size();

  // Dense LU of S with full pivoting.
  s_perm_row_.resize(ne_);
  s_perm_col_.resize(ne_);
  for (std::size_t k = 0; k < ne_; ++k) {
    std::size_t pr = k, pc = k;
    double best = -1;
    for (std::size_t i = k; i < ne_; ++i)
      for (std::size_t j = k; j < ne_; ++j)
        if (std::fabs(e_[i * ne_ + j]) > best) best = std::fabs(e_[i * ne_ + j]), pr = i, pc = j;
    if (!(best > 0) || !std::isfinite(best)) {
      why_ = "the system is singular in the shared unknowns (potential, cell current, charges)";
      return false;
    }
    s_perm_row_[k] = pr;
    s_perm_col_[k] = pc;
    if (pr != k)
      for (std::size_t j = 0; j < ne_; ++j) std::swap(e_[k * ne_ + j], e_[pr * ne_ + j]);
    if (pc != k)
      for (std::size_t i = 0; i < ne_; ++i) std::swap(e_[i * ne_ + k], e_[i * ne_ + pc]);
    const double pivot = e_[k * ne_ + k];
    for (std::size_t i = k + 1; i < ne_; ++i) {
      const double l = e_[i * ne_ + k] /= pivot;
      if (l != 0)
        for (std::size_t j = k + 1; j < ne_; ++j) e_[i * ne_ + j] -= l * e_[k * ne_ + j];
    }
  }
  work_.resize(ne_);
  return true;
}

bool BorderedBlockLU::factor_block(std::size_t q) {
  // LAPACK's dgbtf2: partial pivoting within the band; the upper bandwidth grows to kl + ku.
  std::size_t* piv = piv_.data() + q * m_;
  std::size_t ju = 0;
  for (std::size_t j = 0; j < m_; ++j) {
    const std::size_t km = std::min(kl_, m_ - 1 - j);
    std::size_t jp = 0;
    double best = std::fabs(band(q, j, j));
    for (std::size_t r = 1; r <= km; ++r)
      if (std::fabs(band(q, j + r, j)) > best) best = std::fabs(band(q, j + r, j)), jp = r;
    piv[j] = j + jp;
    if (!(best > 0) || !std::isfinite(best)) {
      why_ = fmt::format("the Jacobian of particle group {} is singular (pivot {})", q + 1, j + 1);
      return false;
    }
    ju = std::max(ju, std::min(j + ku_ + jp, m_ - 1));
    if (jp != 0)
      for (std::size_t c = j; c <= ju; ++c) std::swap(band(q, j, c), band(q, j + jp, c));
    const double inv = inv_diag_[q * m_ + j] = 1 / band(q, j, j);
    for (std::size_t r = 1; r <= km; ++r) band(q, j + r, j) *= inv;
    for (std::size_t c = j + 1; c <= ju; ++c) {
      const double u = band(q, j, c);
      if (u != 0)
        for (std::size_t r = 1; r <= km; ++r) band(q, j + r, c) -= band(q, j + r, j) * u;
    }
  }
  return true;
}

void BorderedBlockLU::solve_block(std::size_t q, double* b) const {
  const std::size_t* piv = piv_.data() + q * m_;
  const double* base = ab_.data() + q * m_ * ld_ + kv_;  // base + j ld_ + (i - j) = A(i, j)
  const double* inv = inv_diag_.data() + q * m_;
  for (std::size_t j = 0; j < m_; ++j) {
    if (piv[j] != j) std::swap(b[j], b[piv[j]]);
    const double* l = base + j * ld_;
    const double bj = b[j];
    const std::size_t km = std::min(kl_, m_ - 1 - j);
    for (std::size_t r = 1; r <= km; ++r) b[j + r] -= l[r] * bj;
  }
  for (std::size_t j = m_; j-- > 0;) {
    const double* u = base + j * ld_ - j;  // u[i] = U(i, j)
    const double bj = b[j] *= inv[j];
    for (std::size_t i = j > kv_ ? j - kv_ : 0; i < j; ++i) b[i] -= u[i] * bj;
  }
}

void BorderedBlockLU::solve_blocks(double* b) const {
  // All blocks together, column by column: each block's substitution is a chain of
  // dependent multiply-subtracts (latency bound when run alone); interleaved, the blocks'
  // chains overlap.
  const std::size_t block_ab = m_ * ld_;
  for (std::size_t j = 0; j < m_; ++j) {
    const std::size_t km = std::min(kl_, m_ - 1 - j);
    const double* l = ab_.data() + j * ld_ + kv_;
    for (std::size_t q = 0; q < P_; ++q, l += block_ab) {
      double* bq = b + q * m_;
      const std::size_t p = piv_[q * m_ + j];
      if (p != j) std::swap(bq[j], bq[p]);
      const double bj = bq[j];
      for (std::size_t r = 1; r <= km; ++r) bq[j + r] -= l[r] * bj;
    }
  }
  for (std::size_t j = m_; j-- > 0;) {
    const std::size_t i0 = j > kv_ ? j - kv_ : 0;
    const double* u = ab_.data() + j * ld_ + kv_ - j;
    for (std::size_t q = 0; q < P_; ++q, u += block_ab) {
      double* bq = b + q * m_;
      const double bj = bq[j] *= inv_diag_[q * m_ + j];
      for (std::size_t i = i0; i < j; ++i) bq[i] -= u[i] * bj;
    }
  }
}

void BorderedBlockLU::solve(double* b) const {
  const std::size_t n = nb_ + ne_;
  for (std::size_t i = 0; i < n; ++i) b[i] *= row_scale_[i];
  solve_blocks(b);
  double* xe = work_.data();
  for (std::size_t r = 0; r < ne_; ++r) xe[r] = b[nb_ + r];
  for (const Entry& e : c_entries_) xe[e.border] -= e.value * b[e.block * m_ + e.local];
  // S x = rhs with S = P^T L U Q^T: rows interchanged as factor() did, then L, U, columns back.
  for (std::size_t k = 0; k < ne_; ++k)
    if (s_perm_row_[k] != k) std::swap(xe[k], xe[s_perm_row_[k]]);
  for (std::size_t i = 0; i < ne_; ++i)
    for (std::size_t j = 0; j < i; ++j) xe[i] -= e_[i * ne_ + j] * xe[j];
  for (std::size_t i = ne_; i-- > 0;) {
    for (std::size_t j = i + 1; j < ne_; ++j) xe[i] -= e_[i * ne_ + j] * xe[j];
    xe[i] /= e_[i * ne_ + i];
  }
  for (std::size_t k = ne_; k-- > 0;)
    if (s_perm_col_[k] != k) std::swap(xe[k], xe[s_perm_col_[k]]);
  for (std::size_t q = 0; q < P_; ++q) {
    double* bq = b + q * m_;
    for (std::size_t k = border_cols_ptr_[q]; k < border_cols_ptr_[q + 1]; ++k) {
      const double* xq = x_.data() + k * m_;
      const double v = xe[border_cols_[k]];
      if (v != 0)
        for (std::size_t i = 0; i < m_; ++i) bq[i] -= xq[i] * v;
    }
  }
  for (std::size_t r = 0; r < ne_; ++r) b[nb_ + r] = xe[r];
}

namespace {

struct SolverContent {
  BorderedBlockLU lu;
  std::string* why;
  sunindextype last_flag = 0;
};
SolverContent* content(SUNLinearSolver S) { return static_cast<SolverContent*>(S->content); }

int ls_setup(SUNLinearSolver S, SUNMatrix A) {
  auto* c = content(S);
  if (SUNMatGetID(A) != SUNMATRIX_SPARSE || SUNSparseMatrix_SparseType(A) != CSC_MAT ||
      static_cast<std::size_t>(SUNSparseMatrix_Columns(A)) != c->lu.size()) {
    if (c->why) *c->why = "the bordered block solver needs the simulator's CSC sparse Jacobian";
    return c->last_flag = SUNLS_ILL_INPUT;
  }
  if (c->lu.factor(SUNSparseMatrix_IndexPointers(A), SUNSparseMatrix_IndexValues(A), SUNSparseMatrix_Data(A))) return c->last_flag = 0;
  if (c->why) *c->why = c->lu.why();
  // A singular iterate is recoverable (IDA retries with a smaller step); a coupling the
  // solver does not handle is not.
  return c->last_flag = c->lu.why().find("couples") != std::string::npos ? SUNLS_PACKAGE_FAIL_UNREC : SUNLS_PACKAGE_FAIL_REC;
}

int ls_solve(SUNLinearSolver S, SUNMatrix, N_Vector x, N_Vector b, realtype) {
  auto* c = content(S);
  N_VScale(1.0, b, x);
  c->lu.solve(N_VGetArrayPointer(x));
  return c->last_flag = 0;
}

int ls_free(SUNLinearSolver S) {
  if (!S) return 0;
  delete content(S);
  S->content = nullptr;
  SUNLinSolFreeEmpty(S);
  return 0;
}

}  // namespace

SUNLinearSolver make_bordered_block_solver(SUNContext sun, std::size_t blocks, std::size_t block_size, std::size_t border,
                                           std::string* why) {
  SUNLinearSolver S = SUNLinSolNewEmpty(sun);
  if (!S) throw std::bad_alloc();
  S->ops->gettype = [](SUNLinearSolver) { return SUNLINEARSOLVER_DIRECT; };
  S->ops->getid = [](SUNLinearSolver) { return SUNLINEARSOLVER_CUSTOM; };
  S->ops->initialize = [](SUNLinearSolver) { return 0; };
  S->ops->setup = ls_setup;
  S->ops->solve = ls_solve;
  S->ops->lastflag = [](SUNLinearSolver s) { return content(s)->last_flag; };
  S->ops->free = ls_free;
  S->content = new SolverContent{BorderedBlockLU(blocks, block_size, border), why};
  return S;
}

}  // namespace castor::sim::detail
