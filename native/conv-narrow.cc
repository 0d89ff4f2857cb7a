#include "conv-narrow.h"

#include <algorithm>
#include <vector>

#include "conv-layout.h"  // threadBuffer, strips
#include "indirect.h"
#include "pool.h"

namespace relaxjs {
namespace {

// Rows (fields) of the transpose's tile: 16 on AVX-512.
constexpr int kRows = kVectorBytes == 64 ? 16 : kNarrowRows;

// One padded image x̄ [C, Hp, Wp] stored by column phase, x̃[c, j mod sw, i, j div sw] = x̄[c, i, j],
// so that a field's values at a row of output pixels (columns oj·sw + kj) are adjacent.
struct Phased {
  int64_t Hp, Wq, plane;         // Wq columns a phase; plane = sw·Hp·Wq a channel
  std::vector<int64_t> field;    // [K]: field f = (c, ki, kj) at pixel (0, 0)
};

Phased phasedOf(const ConvGeom& s) {
  Phased X;
  X.Hp = (s.HO - 1) * s.SH + s.KH;
  const int64_t Wp = (s.WO - 1) * s.SW + s.KW;
  X.Wq = (Wp + s.SW - 1) / s.SW;
  X.plane = s.SW * X.Hp * X.Wq;
  for (int64_t c = 0; c < s.C; c++)
    for (int64_t ki = 0; ki < s.KH; ki++)
      for (int64_t kj = 0; kj < s.KW; kj++) X.field.push_back(c * X.plane + (kj % s.SW * X.Hp + ki) * X.Wq + kj / s.SW);
  return X;
}

// x̃ of one image x [C, H, W] (zero borders; rows or columns no field reaches dropped).
template <typename T>
void padPhased(const T* x, const ConvGeom& s, const Phased& X, T* xp) {
  const int64_t rows = std::min(s.H, X.Hp - s.PH), Wp = (s.WO - 1) * s.SW + s.KW, cols = std::min(s.W, Wp - s.PW);
  std::fill(xp, xp + s.C * X.plane, T(0));
  for (int64_t c = 0; c < s.C; c++)
    for (int64_t r = 0; r < rows; r++)
      for (int64_t j0 = s.PW; j0 < s.PW + std::min(s.SW, cols); j0++) {
        // Padded columns j0, j0 + sw, ...: one phase, adjacent in x̃.
        T* dst = xp + c * X.plane + (j0 % s.SW * X.Hp + r + s.PH) * X.Wq + j0 / s.SW;
        stridedCopy(x + (c * s.H + r) * s.W + j0 - s.PW, s.SW, dst, 1, (cols - (j0 - s.PW) + s.SW - 1) / s.SW);
      }
}

// An image [C, H, W] from its gradient in x̃'s layout (pixels no field reaches: 0).
template <typename T>
void cropPhased(const T* gp, const ConvGeom& s, const Phased& X, T* out) {
  const int64_t Wp = (s.WO - 1) * s.SW + s.KW, cols = std::min(s.W, Wp - s.PW);
  for (int64_t c = 0; c < s.C; c++)
    for (int64_t r = 0; r < s.H; r++) {
      T* dst = out + (c * s.H + r) * s.W;
      std::fill(dst, dst + s.W, T(0));
      if (r + s.PH >= X.Hp) continue;
      for (int64_t j0 = s.PW; j0 < s.PW + std::min(s.SW, cols); j0++) {
        const T* src = gp + c * X.plane + (j0 % s.SW * X.Hp + r + s.PH) * X.Wq + j0 / s.SW;
        stridedCopy(src, 1, dst + j0 - s.PW, s.SW, (cols - (j0 - s.PW) + s.SW - 1) / s.SW);
      }
    }
}

// fn(oi, run) for field f over the output rows: `run` is x̃'s offset of the field at (oi, 0); the
// row's WO pixels follow it one by one.
template <typename F>
inline void overRows(const ConvGeom& s, const Phased& X, int64_t f, F&& fn) {
  for (int64_t oi = 0; oi < s.HO; oi++) fn(oi, X.field[size_t(f)] + oi * s.SH * X.Wq);
}

// The panel of one image's fields, field-major: dst[f·ld + p] = x̃[field(f) at pixel p], zero
// for p in [P, ld). Rows are copied a whole vector at a time (the part past a row's end is
// overwritten by the next row, the next field or the zeros), so dst and xp need W elements of slack.
template <typename T>
void pixelPanel(const T* xp, const ConvGeom& s, const Phased& X, int64_t ld, T* dst) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  for (int64_t f = 0; f < s.K(); f++) {
    T* row = dst + f * ld;
    overRows(s, X, f, [&](int64_t oi, int64_t at) {
      for (int64_t oj = 0; oj < s.WO; oj += W) storeu(row + oi * s.WO + oj, loadu<V>(xp + at + oj));
    });
    std::fill(row + s.P(), row + ld, T(0));
  }
}

// rows [rows][ld] from m rows of P (zero past P and past m).
template <typename T>
void padRows(const T* src, int64_t m, int64_t P, int64_t rows, int64_t ld, T* dst) {
  for (int64_t i = 0; i < rows; i++) {
    T* row = dst + i * ld;
    if (i < m) std::copy_n(src + i * P, P, row);
    std::fill(row + (i < m ? P : 0), row + ld, T(0));
  }
}

// The weight gradient's register block: kBlockO channels × kBlockF fields of lane-wise sums.
constexpr int kBlockO = 4, kBlockF = kVectorBytes == 64 ? 4 : 2;

// acc[(o·Kp + f)·W + lane] += Σ_v ys[o·ld + v + lane] · col[f·ld + v + lane] over one image's pixel
// vectors v (o < Op, f < Kp, multiples of the block): a per-lane partial sum for each (o, f).
template <typename T>
void laneProducts(const T* ys, const T* col, int64_t Op, int64_t Kp, int64_t ld, T* acc) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  for (int64_t o0 = 0; o0 < Op; o0 += kBlockO)
    for (int64_t f0 = 0; f0 < Kp; f0 += kBlockF) {
      V c[kBlockO][kBlockF];
      for (int i = 0; i < kBlockO; i++)
        for (int j = 0; j < kBlockF; j++) c[i][j] = loadu<V>(acc + ((o0 + i) * Kp + f0 + j) * W);
      for (int64_t v = 0; v < ld; v += W) {
        V a[kBlockO], b[kBlockF];
        for (int i = 0; i < kBlockO; i++) a[i] = loadu<V>(ys + (o0 + i) * ld + v);
        for (int j = 0; j < kBlockF; j++) b[j] = loadu<V>(col + (f0 + j) * ld + v);
        for (int i = 0; i < kBlockO; i++)
          for (int j = 0; j < kBlockF; j++) c[i][j] += a[i] * b[j];
      }
      for (int i = 0; i < kBlockO; i++)
        for (int j = 0; j < kBlockF; j++) storeu(acc + ((o0 + i) * Kp + f0 + j) * W, c[i][j]);
    }
}

}  // namespace

template <typename T>
void narrowConv2d(const T* x, const T* w, T* out, const ConvGeom& s, bool parallel) {
  constexpr int W = Simd<T>::W;
  const Phased X = phasedOf(s);
  const int64_t K = s.K(), P = s.P(), S = strips(P, W);
  std::vector<T> wt(size_t(K * W));  // Wᵀ [K][W] (rows past O repeat the last; never stored)
  for (int64_t f = 0; f < K; f++)
    for (int i = 0; i < W; i++) wt[size_t(f * W + i)] = w[std::min<int64_t>(i, s.O - 1) * K + f];
  forImages(s.N, parallel, [&](int64_t n) {
    T* xp = threadBuffer<T, 2>(s.C * X.plane + W);
    T* col = threadBuffer<T, 3>((K + 1) * S * W);
    padPhased(x + n * s.C * s.H * s.W, s, X, xp);
    pixelPanel(xp, s, X, S * W, col);
    for (int64_t st = 0; st < S; st++)
      packedNarrowTile<T, W>(K, wt.data(), col + st * W, S * W, out + n * s.O * P + st * W, P, false, int(s.O),
                             int(std::min<int64_t>(W, P - st * W)));
  });
}

template <typename T>
void narrowWeightGrad(const T* x, const T* dy, T* out, const ConvGeom& s, bool parallel) {
  constexpr int W = Simd<T>::W;
  const Phased X = phasedOf(s);
  const int64_t K = s.K(), P = s.P(), O = s.O, Pw = strips(P, W) * W;
  const int64_t Kp = strips(K, kBlockF) * kBlockF, Op = strips(O, kBlockO) * kBlockO;
  // Ranges of images fixed by N, each summed lane by lane into its own accumulator.
  const int64_t per = (s.N + 7) / 8, ranges = (s.N + per - 1) / per;
  T* const acc = threadBuffer<T, 5>(ranges * Op * Kp * W);
  std::fill(acc, acc + ranges * Op * Kp * W, T(0));
  parallelFor(int(ranges), parallel, [&](int r) {
    T* xp = threadBuffer<T, 2>(s.C * X.plane + W);
    T* col = threadBuffer<T, 3>((Kp + 1) * Pw);
    T* ys = threadBuffer<T, 4>(Op * Pw);
    std::fill(col + K * Pw, col + Kp * Pw, T(0));
    for (int64_t n = r * per; n < std::min(s.N, (r + 1) * per); n++) {
      padPhased(x + n * s.C * s.H * s.W, s, X, xp);
      pixelPanel(xp, s, X, Pw, col);
      padRows(dy + n * O * P, O, P, Op, Pw, ys);
      laneProducts(ys, col, Op, Kp, Pw, acc + r * Op * Kp * W);
    }
  });
  for (int64_t r = 1; r < ranges; r++)
    for (int64_t i = 0; i < Op * Kp * W; i++) acc[i] += acc[r * Op * Kp * W + i];
  for (int64_t o = 0; o < O; o++)
    for (int64_t f = 0; f < K; f++) {
      T sum = T(0);
      for (int j = 0; j < W; j++) sum += acc[(o * Kp + f) * W + j];
      out[o * K + f] = sum;
    }
}

template <typename T>
void narrowTranspose(const T* dy, const T* w, T* out, const ConvGeom& s, bool parallel) {
  constexpr int W = Simd<T>::W;
  const Phased X = phasedOf(s);
  const int64_t K = s.K(), P = s.P(), O = s.O, S = strips(P, W), Pw = S * W;
  const int64_t Sf = strips(K, kRows);
  std::vector<T> wf(size_t(Sf * O * kRows));  // W in field strips [Sf][O][kRows] (fields past K repeat the last)
  for (int64_t sf = 0; sf < Sf; sf++)
    for (int64_t o = 0; o < O; o++)
      for (int i = 0; i < kRows; i++) wf[size_t((sf * O + o) * kRows + i)] = w[o * K + std::min(sf * kRows + i, K - 1)];
  forImages(s.N, parallel, [&](int64_t n) {
    T* ys = threadBuffer<T, 2>(O * Pw);  // dy_n [O][Pw]
    T* col = threadBuffer<T, 3>(K * Pw);  // col_n [K][Pw]
    T* gp = threadBuffer<T, 4>(s.C * X.plane);
    padRows(dy + n * O * P, O, P, O, Pw, ys);
    for (int64_t sf = 0; sf < Sf; sf++)
      for (int64_t st = 0; st < S; st++)
        packedNarrowTile<T, kRows>(O, wf.data() + sf * O * kRows, ys + st * W, Pw, col + sf * kRows * Pw + st * W, Pw, false,
                                   int(std::min<int64_t>(kRows, K - sf * kRows)), W);
    std::fill(gp, gp + s.C * X.plane, T(0));
    for (int64_t f = 0; f < K; f++) {
      const T* c = col + f * Pw;
      overRows(s, X, f, [&](int64_t oi, int64_t at) { addRow(gp + at, c + oi * s.WO, s.WO); });
    }
    cropPhased(gp, s, X, out + n * s.C * s.H * s.W);
  });
}

#define RELAXJS_NARROW(T)                                                            \
  template void narrowConv2d<T>(const T*, const T*, T*, const ConvGeom&, bool);     \
  template void narrowWeightGrad<T>(const T*, const T*, T*, const ConvGeom&, bool); \
  template void narrowTranspose<T>(const T*, const T*, T*, const ConvGeom&, bool);
RELAXJS_NARROW(float)
RELAXJS_NARROW(double)

}  // namespace relaxjs
