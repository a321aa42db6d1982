// castor's compiled N_Vector kernels (src/castor/sim/fast_nvector.cpp) against SUNDIALS' own
// serial operations, on the same vectors: every operation IDA calls gives the same numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>

#include "castor/sim/detail/fast_nvector.h"

namespace {

struct Vectors {
  SUNContext sun = nullptr;
  std::vector<N_Vector> lib, ours;  // the same values, library and castor operations
  explicit Vectors(std::size_t count, sunindextype n) {
    SUNContext_Create(nullptr, &sun);
    std::mt19937 rng(7);
    std::normal_distribution<double> g(0.0, 3.0);
    for (std::size_t k = 0; k < count; ++k) {
      N_Vector a = N_VNew_Serial(n, sun), b = N_VNew_Serial(n, sun);
      castor::sim::detail::use_compiled_vector_ops(b);
      for (sunindextype i = 0; i < n; ++i) NV_Ith_S(a, i) = NV_Ith_S(b, i) = g(rng) + (k == 0 ? 0.0 : 0.1);
      lib.push_back(a), ours.push_back(b);
    }
  }
  ~Vectors() {
    for (auto v : lib) N_VDestroy(v);
    for (auto v : ours) N_VDestroy(v);
    SUNContext_Free(&sun);
  }
};

void expect_same(N_Vector a, N_Vector b, const char* what) {
  for (sunindextype i = 0; i < NV_LENGTH_S(a); ++i)
    ASSERT_NEAR(NV_Ith_S(a, i), NV_Ith_S(b, i), 1e-12 * (1 + std::fabs(NV_Ith_S(a, i)))) << what << " at " << i;
}

}  // namespace

TEST(SimVectorOps, CompiledKernelsMatchSundials) {
  const sunindextype n = 1037;
  Vectors v(6, n);
  auto& L = v.lib;
  auto& O = v.ours;
  // id: a mask with some entries off.
  for (sunindextype i = 0; i < n; ++i) NV_Ith_S(L[5], i) = NV_Ith_S(O[5], i) = (i % 3 == 0) ? 0.0 : 1.0;
  EXPECT_NEAR(N_VWrmsNorm(O[0], O[1]), N_VWrmsNorm(L[0], L[1]), 1e-12 * N_VWrmsNorm(L[0], L[1]));
  EXPECT_NEAR(N_VWrmsNormMask(O[0], O[1], O[5]), N_VWrmsNormMask(L[0], L[1], L[5]), 1e-12 * N_VWrmsNorm(L[0], L[1]));
  EXPECT_NEAR(N_VWSqrSumLocal(O[0], O[1]), N_VWSqrSumLocal(L[0], L[1]), 1e-12 * N_VWSqrSumLocal(L[0], L[1]));
  EXPECT_NEAR(N_VWSqrSumMaskLocal(O[0], O[1], O[5]), N_VWSqrSumMaskLocal(L[0], L[1], L[5]), 1e-12 * N_VWSqrSumLocal(L[0], L[1]));
  EXPECT_DOUBLE_EQ(N_VMaxNorm(O[0]), N_VMaxNorm(L[0]));
  N_VLinearSum(1.5, L[0], -0.25, L[1], L[2]);
  N_VLinearSum(1.5, O[0], -0.25, O[1], O[2]);
  expect_same(L[2], O[2], "linear sum");
  N_VLinearSum(2.0, L[2], 1.0, L[1], L[2]);  // z aliases x, as IDA writes it
  N_VLinearSum(2.0, O[2], 1.0, O[1], O[2]);
  expect_same(L[2], O[2], "linear sum in place");
  N_VProd(L[0], L[1], L[3]), N_VProd(O[0], O[1], O[3]);
  expect_same(L[3], O[3], "prod");
  N_VDiv(L[0], L[1], L[3]), N_VDiv(O[0], O[1], O[3]);
  expect_same(L[3], O[3], "div");
  N_VScale(-3.0, L[0], L[3]), N_VScale(-3.0, O[0], O[3]);
  expect_same(L[3], O[3], "scale");
  N_VAbs(L[0], L[3]), N_VAbs(O[0], O[3]);
  expect_same(L[3], O[3], "abs");
  N_VInv(L[1], L[3]), N_VInv(O[1], O[3]);
  expect_same(L[3], O[3], "inv");
  N_VAddConst(L[0], 0.7, L[3]), N_VAddConst(O[0], 0.7, O[3]);
  expect_same(L[3], O[3], "add const");
  N_VConst(4.25, L[3]), N_VConst(4.25, O[3]);
  expect_same(L[3], O[3], "const");
  // Fused operations: the library's own (fused ops off) give the reference.
  double c[4] = {0.5, -1.25, 2.0, 0.125};
  N_Vector XL[4] = {L[4], L[0], L[1], L[2]}, XO[4] = {O[4], O[0], O[1], O[2]};
  for (int nv : {1, 2, 4}) {
    N_VLinearCombination(nv, c, XL, L[4]);  // z = X[0]: allowed
    N_VLinearCombination(nv, c, XO, O[4]);
    expect_same(L[4], O[4], "linear combination");
  }
  N_Vector YL[2] = {L[1], L[2]}, YO[2] = {O[1], O[2]}, ZL[2] = {L[3], L[4]}, ZO[2] = {O[3], O[4]};
  N_VScaleAddMulti(2, c, L[0], YL, ZL);
  N_VScaleAddMulti(2, c, O[0], YO, ZO);
  expect_same(L[3], O[3], "scale add multi 0");
  expect_same(L[4], O[4], "scale add multi 1");
  // Clones (IDA's work vectors) keep castor's operations.
  N_Vector clone = N_VClone(O[0]);
  EXPECT_EQ(clone->ops->nvwrmsnorm, O[0]->ops->nvwrmsnorm);
  EXPECT_NE(clone->ops->nvwrmsnorm, L[0]->ops->nvwrmsnorm);
  N_VDestroy(clone);
}
