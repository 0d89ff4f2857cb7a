// Shared pieces of the convolutions (conv.cc, conv-narrow.cc): the zero-padded copy x̄ of an image
// [C, Hp, Wp], just large enough for every receptive field (rows or columns past H + ph that no
// field reaches are dropped), with the field offsets f = (c, ki, kj) and the pixels' corners in it,
// and the per-thread scratch buffers the kernels reuse from call to call.
#pragma once
#include <algorithm>
#include <type_traits>
#include <cstdint>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "conv.h"
#include "pool.h"
#include "simd.h"

namespace relaxjs {

// dst[i] += src[i] for i < n: a row of a few dozen elements (col2im); whole vectors, then a
// masked one on AVX-512 (masked loads and one masked store: faster here than a scalar tail).
template <typename T>
inline void addRow(T* __restrict dst, const T* __restrict src, int64_t n) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  int64_t i = 0;
  for (; i + W <= n; i += W) storeu(dst + i, loadu<V>(dst + i) + loadu<V>(src + i));
#if defined(__AVX512F__)
  if (i < n) {
    const unsigned m = (1u << (n - i)) - 1;
    if constexpr (std::is_same<T, float>::value) {
      const __m512 sum = _mm512_add_ps(_mm512_maskz_loadu_ps(__mmask16(m), dst + i), _mm512_maskz_loadu_ps(__mmask16(m), src + i));
      _mm512_mask_storeu_ps(dst + i, __mmask16(m), sum);
    } else {
      const __m512d sum = _mm512_add_pd(_mm512_maskz_loadu_pd(__mmask8(m), dst + i), _mm512_maskz_loadu_pd(__mmask8(m), src + i));
      _mm512_mask_storeu_pd(dst + i, __mmask8(m), sum);
    }
    return;
  }
#endif
  for (; i < n; i++) dst[i] += src[i];
}

struct Layout {
  int64_t Hp, Wp, plane;
  std::vector<int64_t> field;   // [K]: c·Hp·Wp + ki·Wp + kj
  std::vector<int64_t> corner;  // [images·P]: n·C·Hp·Wp + oi·sh·Wp + oj·sw
};

// The layout of `images` padded images of geometry s (1: the corners of one image).
inline Layout layoutOf(const ConvGeom& s, int64_t images) {
  Layout L;
  L.Hp = (s.HO - 1) * s.SH + s.KH;
  L.Wp = (s.WO - 1) * s.SW + s.KW;
  L.plane = L.Hp * L.Wp;
  L.field.reserve(size_t(s.K()));
  for (int64_t c = 0; c < s.C; c++)
    for (int64_t ki = 0; ki < s.KH; ki++)
      for (int64_t kj = 0; kj < s.KW; kj++) L.field.push_back(c * L.plane + ki * L.Wp + kj);
  L.corner.reserve(size_t(images * s.P()));
  for (int64_t n = 0; n < images; n++)
    for (int64_t oi = 0; oi < s.HO; oi++)
      for (int64_t oj = 0; oj < s.WO; oj++) L.corner.push_back(n * s.C * L.plane + oi * s.SH * L.Wp + oj * s.SW);
  return L;
}

// x̄ of one image x [C, H, W] (zero borders).
template <typename T>
inline void padImage(const T* x, const ConvGeom& s, const Layout& L, T* xp) {
  const int64_t rows = std::min(s.H, L.Hp - s.PH), cols = std::min(s.W, L.Wp - s.PW);
  for (int64_t c = 0; c < s.C; c++) {
    T* dst = xp + c * L.plane;
    std::fill(dst, dst + L.plane, T(0));
    for (int64_t r = 0; r < rows; r++) std::copy_n(x + (c * s.H + r) * s.W, cols, dst + (r + s.PH) * L.Wp + s.PW);
  }
}

// The inverse crop: an image [C, H, W] from its padded gradient ḡ (pixels no field reaches: 0).
template <typename T>
inline void cropImage(const T* gp, const ConvGeom& s, const Layout& L, T* out) {
  for (int64_t c = 0; c < s.C; c++)
    for (int64_t r = 0; r < s.H; r++) {
      T* dst = out + (c * s.H + r) * s.W;
      const int64_t pr = r + s.PH;
      for (int64_t q = 0; q < s.W; q++) {
        const int64_t pq = q + s.PW;
        dst[q] = pr < L.Hp && pq < L.Wp ? gp[c * L.plane + pr * L.Wp + pq] : T(0);
      }
    }
}

// A buffer of n elements kept per thread and slot (a fresh one each call would cost its page
// faults again); its contents are left to the caller. Pool threads that share one must reach it
// through the returned pointer, never by name.
template <typename T, int Slot>
T* threadBuffer(int64_t n) {
  thread_local std::vector<T> kept;
  kept.resize(size_t(n));
  return kept.data();
}

// Runs f(n) for every image, in up to four ranges a thread (a descheduled helper holds up only a
// small one).
template <typename F>
void forImages(int64_t N, bool parallel, F&& f) {
  const int64_t tasks = parallel ? 4 * Pool::instance().threads() : 1, per = (N + tasks - 1) / tasks;
  parallelFor(int((N + per - 1) / per), parallel, [&](int t) {
    for (int64_t n = t * per; n < std::min(N, (t + 1) * per); n++) f(n);
  });
}

// dst[q·ds] = src[q·ss] for q < n, with the common strides (1, 2) as constants so that the
// compiler vectorizes them.
template <typename T>
inline void stridedCopy(const T* __restrict src, int64_t ss, T* __restrict dst, int64_t ds, int64_t n) {
  const auto copy = [&](auto sc, auto dc) {
    for (int64_t q = 0; q < n; q++) dst[q * dc] = src[q * sc];
  };
  if (ss == 1 && ds == 1) copy(std::integral_constant<int64_t, 1>(), std::integral_constant<int64_t, 1>());
  else if (ss == 2 && ds == 1) copy(std::integral_constant<int64_t, 2>(), std::integral_constant<int64_t, 1>());
  else if (ss == 1 && ds == 2) copy(std::integral_constant<int64_t, 1>(), std::integral_constant<int64_t, 2>());
  else copy(ss, ds);
}

inline int64_t strips(int64_t n, int width) { return (n + width - 1) / width; }

}  // namespace relaxjs
