// The register tile of the convolutions: an MR × NR block of op(A) · B where row i of A is read
// through a pointer, A(i, p) = rows[i][off[p]] (an "indirect" GEMM, as XNNPACK's convolutions: a
// receptive field is a fixed pattern of offsets from a pixel's corner), and B is packed in strips
// of NR columns ([k][NR], zero lanes past its width). No im2col matrix is ever written.
#pragma once
#include <cstdint>

#include "simd.h"

namespace relaxjs {

constexpr int kTileRows = kVectorBytes == 64 ? 12 : 6;
template <typename T>
constexpr int tileCols() { return 2 * Simd<T>::W; }

// Writes (or adds) the accumulators of an MR × NR tile, c0 / c1 = its two vector columns, to C.
template <typename T, int MR>
inline void storeTile(const typename Simd<T>::V* c0, const typename Simd<T>::V* c1, T* C, int64_t ldc, bool accumulate) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  for (int i = 0; i < MR; i++) {
    T* row = C + i * ldc;
    if (accumulate) {
      storeu(row, loadu<V>(row) + c0[i]);
      storeu(row + W, loadu<V>(row + W) + c1[i]);
    } else {
      storeu(row, c0[i]);
      storeu(row + W, c1[i]);
    }
  }
}

// C[i][j] (=|+=) Σ_p rows[i][off[p]] · Bp[p][j] for the full MR × NR tile (C has room for it).
template <typename T>
inline void indirectTile(int64_t kc, const T* const* rows, const int64_t* __restrict off, const T* __restrict Bp, T* C, int64_t ldc,
                         bool accumulate) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W, MR = kTileRows, NR = tileCols<T>();
  const T* r[MR];
  for (int i = 0; i < MR; i++) r[i] = rows[i];
  V c0[MR], c1[MR];
  for (int i = 0; i < MR; i++) c0[i] = c1[i] = V{};
  for (int64_t p = 0; p < kc; p++, Bp += NR) {
    const int64_t o = off[p];
    const V b0 = loadu<V>(Bp), b1 = loadu<V>(Bp + W);
    for (int i = 0; i < MR; i++) {
      const V a = splat<V>(r[i][o]);
      c0[i] += a * b0;
      c1[i] += a * b1;
    }
  }
  storeTile<T, MR>(c0, c1, C, ldc, accumulate);
}

// The one-vector tile, for products at most one vector wide (16 float channels or fields on
// AVX-512), where the two-vector tile above would leave half its lanes empty:
//   C[i][j] (=|+=) Σ_p a(i, p) · B[p·ldb + j],  i < validRows, j < validCols ≤ W,
// with a(i, p) an inlined accessor: a packed panel A[p·MR + i] or an indirect row rows[i][off[p]].
// MR accumulators (AVX-512: up to 24 of 32 registers; AVX2 / SSE: up to 12 of 16).
constexpr int kNarrowRows = kVectorBytes == 64 ? 24 : 12;
template <typename T, int MR, typename Rows>
inline void narrowTile(int64_t kc, Rows a, const T* __restrict B, int64_t ldb, T* C, int64_t ldc, bool accumulate, int validRows,
                       int validCols) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  static_assert(MR <= kNarrowRows, "the accumulators must fit the register file");
  V c[MR];
  for (int i = 0; i < MR; i++) c[i] = V{};
  for (int64_t p = 0; p < kc; p++, B += ldb) {
    const V b = loadu<V>(B);
    for (int i = 0; i < MR; i++) c[i] += splat<V>(a(i, p)) * b;
  }
  T lanes[W];
  for (int i = 0; i < validRows; i++) {
    T* row = C + i * ldc;
    if (validCols == W) {
      storeu(row, accumulate ? loadu<V>(row) + c[i] : c[i]);
      continue;
    }
    storeu(lanes, c[i]);
    for (int j = 0; j < validCols; j++) row[j] = accumulate ? row[j] + lanes[j] : lanes[j];
  }
}

// narrowTile over a packed panel A [kc][MR].
template <typename T, int MR>
inline void packedNarrowTile(int64_t kc, const T* __restrict A, const T* __restrict B, int64_t ldb, T* C, int64_t ldc, bool accumulate,
                             int validRows, int validCols) {
  narrowTile<T, MR>(kc, [A](int i, int64_t p) { return A[p * MR + i]; }, B, ldb, C, ldc, accumulate, validRows, validCols);
}

}  // namespace relaxjs
