#include "castor/sim/detail/fast_nvector.h"

#include <algorithm>
#include <cmath>

namespace castor::sim::detail {
namespace {

inline sunindextype len(N_Vector v) { return NV_LENGTH_S(v); }
inline realtype* data(N_Vector v) { return NV_DATA_S(v); }

void linear_sum(realtype a, N_Vector x, realtype b, N_Vector y, N_Vector z) {
  const realtype *xd = data(x), *yd = data(y);
  realtype* zd = data(z);
  const sunindextype n = len(z);
  for (sunindextype i = 0; i < n; ++i) zd[i] = a * xd[i] + b * yd[i];
}
void constant(realtype c, N_Vector z) {
  realtype* zd = data(z);
  std::fill(zd, zd + len(z), c);
}
void prod(N_Vector x, N_Vector y, N_Vector z) {
  const realtype *xd = data(x), *yd = data(y);
  realtype* zd = data(z);
  for (sunindextype i = 0, n = len(z); i < n; ++i) zd[i] = xd[i] * yd[i];
}
void div(N_Vector x, N_Vector y, N_Vector z) {
  const realtype *xd = data(x), *yd = data(y);
  realtype* zd = data(z);
  for (sunindextype i = 0, n = len(z); i < n; ++i) zd[i] = xd[i] / yd[i];
}
void scale(realtype c, N_Vector x, N_Vector z) {
  const realtype* xd = data(x);
  realtype* zd = data(z);
  for (sunindextype i = 0, n = len(z); i < n; ++i) zd[i] = c * xd[i];
}
void abs_of(N_Vector x, N_Vector z) {
  const realtype* xd = data(x);
  realtype* zd = data(z);
  for (sunindextype i = 0, n = len(z); i < n; ++i) zd[i] = std::fabs(xd[i]);
}
void inv(N_Vector x, N_Vector z) {
  const realtype* xd = data(x);
  realtype* zd = data(z);
  for (sunindextype i = 0, n = len(z); i < n; ++i) zd[i] = 1.0 / xd[i];
}
void add_const(N_Vector x, realtype b, N_Vector z) {
  const realtype* xd = data(x);
  realtype* zd = data(z);
  for (sunindextype i = 0, n = len(z); i < n; ++i) zd[i] = xd[i] + b;
}
realtype wsqrsum(N_Vector x, N_Vector w) {
  const realtype *xd = data(x), *wd = data(w);
  realtype s = 0;
  for (sunindextype i = 0, n = len(x); i < n; ++i) {
    const realtype p = xd[i] * wd[i];
    s += p * p;
  }
  return s;
}
realtype wsqrsum_mask(N_Vector x, N_Vector w, N_Vector id) {
  const realtype *xd = data(x), *wd = data(w), *idd = data(id);
  realtype s = 0;
  for (sunindextype i = 0, n = len(x); i < n; ++i)
    if (idd[i] > 0) {
      const realtype p = xd[i] * wd[i];
      s += p * p;
    }
  return s;
}
realtype wrms(N_Vector x, N_Vector w) { return std::sqrt(wsqrsum(x, w) / static_cast<realtype>(len(x))); }
realtype wrms_mask(N_Vector x, N_Vector w, N_Vector id) { return std::sqrt(wsqrsum_mask(x, w, id) / static_cast<realtype>(len(x))); }
realtype max_norm(N_Vector x) {
  const realtype* xd = data(x);
  realtype m = 0;
  for (sunindextype i = 0, n = len(x); i < n; ++i) m = std::max(m, std::fabs(xd[i]));
  return m;
}
int linear_combination(int nv, realtype* c, N_Vector* X, N_Vector z) {
  realtype* zd = data(z);
  const sunindextype n = len(z);
  if (nv < 1) return -1;
  if (nv == 1) {
    scale(c[0], X[0], z);
    return 0;
  }
  // z may be X[0] (z = c0 z + sum c_k X_k): the first term is read before z is written.
  const realtype* x0 = data(X[0]);
  const realtype* x1 = data(X[1]);
  for (sunindextype i = 0; i < n; ++i) zd[i] = c[0] * x0[i] + c[1] * x1[i];
  for (int k = 2; k < nv; ++k) {
    const realtype* xk = data(X[k]);
    const realtype ck = c[k];
    for (sunindextype i = 0; i < n; ++i) zd[i] += ck * xk[i];
  }
  return 0;
}
int scale_add_multi(int nv, realtype* a, N_Vector x, N_Vector* Y, N_Vector* Z) {
  const realtype* xd = data(x);
  const sunindextype n = len(x);
  for (int k = 0; k < nv; ++k) {
    const realtype* yd = data(Y[k]);
    realtype* zd = data(Z[k]);
    const realtype ak = a[k];
    for (sunindextype i = 0; i < n; ++i) zd[i] = ak * xd[i] + yd[i];
  }
  return 0;
}

}  // namespace

void use_compiled_vector_ops(N_Vector v) {
  N_Vector_Ops o = v->ops;
  o->nvlinearsum = linear_sum;
  o->nvconst = constant;
  o->nvprod = prod;
  o->nvdiv = div;
  o->nvscale = scale;
  o->nvabs = abs_of;
  o->nvinv = inv;
  o->nvaddconst = add_const;
  o->nvwrmsnorm = wrms;
  o->nvwrmsnormmask = wrms_mask;
  o->nvmaxnorm = max_norm;
  o->nvwsqrsumlocal = wsqrsum;
  o->nvwsqrsummasklocal = wsqrsum_mask;
  o->nvlinearcombination = linear_combination;
  o->nvscaleaddmulti = scale_add_multi;
}

}  // namespace castor::sim::detail
