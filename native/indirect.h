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

}  // namespace relaxjs
