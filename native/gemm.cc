#include "gemm.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "indirect.h"
#include "pool.h"
#include "simd.h"

namespace relaxjs {
namespace {

// Register tile: MR rows × NR = 2 vectors (indirect.h); 2·MR accumulators fit the register file
// (AVX-512: 24 of 32 zmm; AVX2 / SSE: 12 of 16).
constexpr int kMR = kTileRows;
constexpr int64_t kKC = 256, kMC = kMR * 8, kNC = 1024;

template <typename T>
constexpr int NR() { return 2 * Simd<T>::W; }

// Packs rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into strips [⌈mc/MR⌉][kc][MR].
template <typename T>
void packA(const GemmArgs<T>& g, int64_t i0, int64_t mc, int64_t p0, int64_t kc, T* dst) {
  for (int64_t is = 0; is < mc; is += kMR) {
    const int64_t rows = std::min<int64_t>(kMR, mc - is);
    for (int64_t p = 0; p < kc; p++, dst += kMR) {
      int r = 0;
      if (g.transA) {
        const T* src = g.a + (p0 + p) * g.lda + i0 + is;
        for (; r < rows; r++) dst[r] = src[r];
      } else {
        const T* src = g.a + (i0 + is) * g.lda + p0 + p;
        for (; r < rows; r++) dst[r] = src[r * g.lda];
      }
      for (; r < kMR; r++) dst[r] = 0;
    }
  }
}

// Packs rows [p0, p0+kc) × cols [j0, j0+nc) of op(B) into strips [⌈nc/NR⌉][kc][NR].
template <typename T>
void packB(const GemmArgs<T>& g, int64_t p0, int64_t kc, int64_t j0, int64_t nc, T* dst) {
  constexpr int nr = NR<T>();
  for (int64_t js = 0; js < nc; js += nr) {
    const int64_t cols = std::min<int64_t>(nr, nc - js);
    if (g.transB) {
      for (int64_t p = 0; p < kc; p++) {
        const T* src = g.b + (j0 + js) * g.ldb + p0 + p;
        T* d = dst + p * nr;
        int c = 0;
        for (; c < cols; c++) d[c] = src[c * g.ldb];
        for (; c < nr; c++) d[c] = 0;
      }
    } else {
      for (int64_t p = 0; p < kc; p++) {
        const T* src = g.b + (p0 + p) * g.ldb + j0 + js;
        T* d = dst + p * nr;
        int c = 0;
        for (; c < cols; c++) d[c] = src[c];
        for (; c < nr; c++) d[c] = 0;
      }
    }
    dst += kc * nr;
  }
}

// C tile (rows × cols of MR × NR) = / += Ap · Bp over kc.
template <typename T>
inline void microKernel(int64_t kc, const T* __restrict Ap, const T* __restrict Bp, T* C, int64_t ldc, bool accumulate,
                        int rows, int cols) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W, nr = NR<T>();
  V c0[kMR], c1[kMR];
  for (int i = 0; i < kMR; i++) c0[i] = c1[i] = V{};
  for (int64_t p = 0; p < kc; p++, Ap += kMR, Bp += nr) {
    const V b0 = loadu<V>(Bp), b1 = loadu<V>(Bp + W);
    for (int i = 0; i < kMR; i++) {
      const V a = splat<V>(Ap[i]);
      c0[i] += a * b0;
      c1[i] += a * b1;
    }
  }
  if (rows == kMR && cols == nr) {
    storeTile<T, kMR>(c0, c1, C, ldc, accumulate);
    return;
  }
  T tile[kMR * nr];
  for (int i = 0; i < kMR; i++) {
    storeu(tile + i * nr, c0[i]);
    storeu(tile + i * nr + W, c1[i]);
  }
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) C[i * ldc + j] = accumulate ? C[i * ldc + j] + tile[i * nr + j] : tile[i * nr + j];
}

template <typename T>
std::vector<T>& scratch(int which) {
  thread_local std::vector<T> buffers[2];
  return buffers[which];
}

// The dot-product path for C = A · Bᵀ with both operands k-contiguous (transA = false,
// transB = true), at small m or n: no packing; a tile of DA rows of A × DB rows of B keeps
// DA·DB vector accumulators over k (lanes p ≡ l mod W), then folds the lanes in a fixed tree
// and adds the scalar tail p ≥ k - k mod W in order. Each entry's order depends on k alone.
constexpr int kDA = 5, kDB = 4;
constexpr int64_t kDotMinK = 256;

// v with its lanes rotated down by S: lane l = v[(l + S) mod W].
template <typename T, int S, size_t... L>
inline typename Simd<T>::V rotateLanes(typename Simd<T>::V v, std::index_sequence<L...>) {
  return __builtin_shufflevector(v, v, int((L + S) % sizeof...(L))...);
}

// Σ_l v[l] in a fixed tree: lane l += lane l + S for S = W/2, ..., 1.
template <typename T, int S = Simd<T>::W / 2>
inline T laneSum(typename Simd<T>::V v) {
  v += rotateLanes<T, S>(v, std::make_index_sequence<Simd<T>::W>{});
  if constexpr (S == 1) return v[0];
  else return laneSum<T, S / 2>(v);
}

template <typename T>
void dotTile(const GemmArgs<T>& g, int64_t i0, int rows, int64_t j0, int cols) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  const T* ar[kDA];
  const T* br[kDB];
  for (int r = 0; r < kDA; r++) ar[r] = g.a + (i0 + std::min(r, rows - 1)) * g.lda;
  for (int c = 0; c < kDB; c++) br[c] = g.b + (j0 + std::min(c, cols - 1)) * g.ldb;
  V acc[kDA][kDB];
  for (int r = 0; r < kDA; r++)
    for (int c = 0; c < kDB; c++) acc[r][c] = V{};
  const int64_t kv = g.k - g.k % W;
  for (int64_t p = 0; p < kv; p += W) {
    V bv[kDB];
    for (int c = 0; c < kDB; c++) bv[c] = loadu<V>(br[c] + p);
    for (int r = 0; r < kDA; r++) {
      const V av = loadu<V>(ar[r] + p);
      for (int c = 0; c < kDB; c++) acc[r][c] += av * bv[c];
    }
  }
  T sums[kDA][kDB];
  for (int r = 0; r < kDA; r++)
    for (int c = 0; c < kDB; c++) sums[r][c] = laneSum<T>(acc[r][c]);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) {
      T sum = sums[r][c];
      for (int64_t p = kv; p < g.k; p++) sum += ar[r][p] * br[c][p];
      g.c[(i0 + r) * g.ldc + j0 + c] = sum;
    }
}

// Whether the dot-product path serves this product: a small output (at most 128 × 128 entries)
// over a long k, where packing both operands costs about as much as the product (FC1's forward,
// 50 × 100 × 1568: 2x faster); the packed path wins once a packed panel is reused many times
// (measured: 64 × 1024 × 1024 and 50 × 784 × 256 are 1.2-1.4x slower on this path; k = 64
// is 1.7x slower, k = 256 even).
template <typename T>
bool dotPath(const GemmArgs<T>& g) {
  return !g.transA && g.transB && g.k >= kDotMinK && g.m * g.n <= 128 * 128;
}

// A vector-aligned copy of rows [0, rows) of src (stride ld), k each, at stride ⌈k/W⌉·W:
// unaligned vector loads that split cache lines cost the dot path 1.6x.
template <typename T>
const T* alignedRows(const T* src, int64_t ld, int64_t rows, int64_t k, int which) {
  constexpr int W = Simd<T>::W;
  const int64_t kp = (k + W - 1) / W * W;
  std::vector<T>& buf = scratch<T>(which);
  buf.resize(size_t(rows * kp + W));
  T* dst = reinterpret_cast<T*>((reinterpret_cast<uintptr_t>(buf.data()) + kVectorBytes - 1) / kVectorBytes * kVectorBytes);
  for (int64_t r = 0; r < rows; r++) std::copy(src + r * ld, src + r * ld + k, dst + r * kp);
  return dst;
}

// Columns [j0, j1) of a dot-path product, all rows, from aligned copies of A and each group of
// kDB rows of B (same sums, same order: only where the operands are read from changes).
template <typename T>
void dotColumns(const GemmArgs<T>& g, int64_t j0, int64_t j1) {
  constexpr int W = Simd<T>::W;
  const int64_t kp = (g.k + W - 1) / W * W;
  GemmArgs<T> h = g;
  h.a = alignedRows(g.a, g.lda, g.m, g.k, 0);
  h.lda = h.ldb = kp;
  for (int64_t j = j0; j < j1; j += kDB) {
    const int cols = int(std::min<int64_t>(kDB, j1 - j));
    h.b = alignedRows(g.b + j * g.ldb, g.ldb, cols, g.k, 1) - j * kp;
    for (int64_t i = 0; i < g.m; i += kDA) dotTile(h, i, int(std::min<int64_t>(kDA, g.m - i)), j, cols);
  }
}

}  // namespace

template <typename T>
void gemm(const GemmArgs<T>& g) {
  constexpr int nr = NR<T>();
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k <= 0) {
    for (int64_t i = 0; i < g.m; i++) std::fill(g.c + i * g.ldc, g.c + i * g.ldc + g.n, T(0));
    return;
  }
  if (dotPath(g)) return dotColumns(g, 0, g.n);
  std::vector<T>& bufA = scratch<T>(0);
  std::vector<T>& bufB = scratch<T>(1);
  const int64_t kcMax = std::min(kKC, g.k), mcMax = std::min(kMC, g.m), ncMax = std::min(kNC, g.n);
  bufA.resize(size_t(((mcMax + kMR - 1) / kMR) * kMR * kcMax));
  bufB.resize(size_t(((ncMax + nr - 1) / nr) * nr * kcMax));
  for (int64_t j0 = 0; j0 < g.n; j0 += kNC) {
    const int64_t nc = std::min(kNC, g.n - j0);
    for (int64_t p0 = 0; p0 < g.k; p0 += kKC) {
      const int64_t kc = std::min(kKC, g.k - p0);
      packB(g, p0, kc, j0, nc, bufB.data());
      for (int64_t i0 = 0; i0 < g.m; i0 += kMC) {
        const int64_t mc = std::min(kMC, g.m - i0);
        packA(g, i0, mc, p0, kc, bufA.data());
        for (int64_t js = 0; js < nc; js += nr) {
          const T* Bp = bufB.data() + (js / nr) * kc * nr;
          for (int64_t is = 0; is < mc; is += kMR) {
            microKernel<T>(kc, bufA.data() + (is / kMR) * kc * kMR, Bp, g.c + (i0 + is) * g.ldc + j0 + js, g.ldc, p0 > 0,
                           int(std::min<int64_t>(kMR, mc - is)), int(std::min<int64_t>(nr, nc - js)));
          }
        }
      }
    }
  }
}

template <typename T>
void batchedGemm(const T* a, const T* b, T* c, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
                 int64_t aStride, int64_t bStride, int64_t parallelMinWork) {
  const int threads = Pool::instance().threads();
  const bool parallel = threads > 1 && batch * m * n * k >= parallelMinWork;
  const int64_t lda = transA ? m : k, ldb = transB ? k : n;
  // Sub-block [row0, row0+rows) × [col0, col0+cols) of product i.
  const auto block = [&](int64_t i, int64_t row0, int64_t rows, int64_t col0, int64_t cols) {
    const T* ai = a + i * aStride + (transA ? row0 : row0 * lda);
    const T* bi = b + i * bStride + (transB ? col0 * ldb : col0);
    gemm(GemmArgs<T>{ai, bi, c + i * m * n + row0 * n + col0, rows, cols, k, transA, transB, lda, ldb, n});
  };
  if (!parallel || batch >= 2 * threads) {
    // Up to four batch ranges a thread (a descheduled helper holds up only a small one).
    const int64_t per = std::max<int64_t>(1, batch / (4 * threads));
    parallelFor(int((batch + per - 1) / per), parallel, [&](int t) {
      for (int64_t i = t * per; i < std::min(batch, (t + 1) * per); i++) block(i, 0, m, 0, n);
    });
    return;
  }
  // Few products: split each into `threads` strips along its longer side (whole register tiles).
  const bool byCols = n >= m, dot = dotPath(GemmArgs<T>{a, b, c, m, n, k, transA, transB, lda, ldb, n});
  const int64_t side = byCols ? n : m, unit = byCols ? (dot ? kDB : NR<T>()) : (dot ? kDA : kMR);
  const int64_t units = (side + unit - 1) / unit, strips = std::min<int64_t>(threads, units);
  const int64_t per = (units + strips - 1) / strips * unit;
  parallelFor(int(batch * strips), true, [&](int t) {
    const int64_t i = t / strips, from = (t % strips) * per, len = std::min(side, from + per) - from;
    if (len <= 0) return;
    if (byCols) block(i, 0, m, from, len);
    else block(i, from, len, 0, n);
  });
}

template void gemm<float>(const GemmArgs<float>&);
template void gemm<double>(const GemmArgs<double>&);
template void batchedGemm<float>(const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t, bool, bool, int64_t, int64_t, int64_t);
template void batchedGemm<double>(const double*, const double*, double*, int64_t, int64_t, int64_t, int64_t, bool, bool, int64_t, int64_t, int64_t);

}  // namespace relaxjs
