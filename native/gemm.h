// Blocked, packed GEMM (the Goto / BLIS loop order) for float and double:
// C[m, n] = op(A)[m, k] · op(B)[k, n], row-major, op = optional transpose, beta 0.
// A is packed into strips of MR rows, B into strips of NR = 2 vector widths columns (zero lanes
// past m or n); an MR × NR register tile accumulates with fused multiply-adds (GCC vector
// extensions, so -march=native picks AVX-512, AVX2 or SSE).
#pragma once
#include <cstdint>

namespace relaxjs {

// One product's geometry: op(A)(i, p) = transA ? a[p·lda + i] : a[i·lda + p],
// op(B)(p, j) = transB ? b[j·ldb + p] : b[p·ldb + j], C(i, j) = c[i·ldc + j]; so a sub-block
// of a larger product is the same arguments with moved pointers.
template <typename T>
struct GemmArgs {
  const T* a;
  const T* b;
  T* c;
  int64_t m, n, k;
  bool transA, transB;
  int64_t lda, ldb, ldc;
};

// C = op(A) op(B) on the calling thread.
template <typename T>
void gemm(const GemmArgs<T>& g);

// The batched product of the Backend contract, split over the pool when worth it.
template <typename T>
void batchedGemm(const T* a, const T* b, T* c, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
                 int64_t aStride, int64_t bStride, int64_t parallelMinWork);

}  // namespace relaxjs
