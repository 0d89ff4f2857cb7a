// No fused multiply-adds here: each result must be the rounded sequence of the generic kernels
// (and Adam's of the JavaScript loop), whatever -ffp-contract the rest of the addon uses.
// (Adam vectorises because binding.gyp compiles with -fno-math-errno: sqrt sets no errno, same NaN.)
#pragma GCC optimize("fp-contract=off")
#include "interval.h"

#include <algorithm>
#include <cmath>

#include "pool.h"
#include "simd.h"

namespace relaxjs {
namespace {

constexpr int64_t kChunk = 1 << 14, kParallelElements = 1 << 17;

// X is T (one element) or Simd<T>::V (one vector): the kernels below are written once for both
// (simd.h's loadu / storeu take either).
// Every lane = v.
template <typename X, typename T>
inline X all(T v) {
  if constexpr (sizeof(X) == sizeof(T)) return v;
  else return splat<X>(v);
}

// body(X{}, i) for i in [from, to): whole vectors, then single elements. Every element is read
// before it is written (so outputs may be the inputs a and b), and each lane does exactly the
// scalar operations: the same bits as the element-by-element loop.
template <typename T, typename Body>
inline void lanes(int64_t from, int64_t to, Body&& body) {
  using V = typename Simd<T>::V;
  constexpr int64_t W = Simd<T>::W;
  int64_t i = from;
  for (; i + W <= to; i += W) body(V{}, i);
  for (; i < to; i++) body(T(0), i);
}

// Shift over [from, to): mid = a + bias, o1 = mid − b, o2 = mid + b, the bias read per row
// segment (a broadcast, or for inner = 1 a contiguous row of it) instead of one division per element.
template <typename T>
void shiftRange(const T* a, const T* b, const T* c, T* o1, T* o2, int64_t from, int64_t to, int64_t inner, int64_t channels) {
  const auto write = [&](auto z, int64_t i, auto mid) {
    using X = decltype(z);
    const X y = loadu<X>(b + i);
    storeu(o1 + i, mid - y);
    storeu(o2 + i, mid + y);
  };
  if (!c) return lanes<T>(from, to, [&](auto z, int64_t i) { write(z, i, loadu<decltype(z)>(a + i)); });
  for (int64_t i = from, end; i < to; i = end) {
    const int64_t q = i / inner;
    end = std::min(to, (q + 1) * inner);
    if (inner == 1) {  // bias[i % channels]: a row of the bias
      const int64_t j = q % channels;
      end = std::min(to, i - j + channels);
      const T* row = c + j - i;
      lanes<T>(i, end, [&](auto z, int64_t k) { write(z, k, loadu<decltype(z)>(a + k) + loadu<decltype(z)>(row + k)); });
    } else {
      const T bias = c[q % channels];
      lanes<T>(i, end, [&](auto z, int64_t k) { write(z, k, loadu<decltype(z)>(a + k) + all<decltype(z)>(bias)); });
    }
  }
}

template <typename T>
void intervalRange(IntervalKernel kind, const T* a, const T* b, const T* c, const T* d, T* o1, T* o2, int64_t from, int64_t to,
                   int64_t inner, int64_t channels) {
  const T half = T(0.5), one = T(1);
  switch (kind) {
    case IntervalKernel::Centre:
      return lanes<T>(from, to, [&](auto z, int64_t i) {
        using X = decltype(z);
        const X x = loadu<X>(a + i), y = loadu<X>(b + i), r = (y - x) * all<X>(half);
        storeu(o1 + i, (x + y) * all<X>(half));
        storeu(o2 + i, r < z ? z : r);  // the generic clamp's comparison (NaN stays NaN)
      });
    case IntervalKernel::Shift:
      return shiftRange(a, b, c, o1, o2, from, to, inner, channels);
    case IntervalKernel::Split:
      return lanes<T>(from, to, [&](auto z, int64_t i) {
        using X = decltype(z);
        const X x = loadu<X>(a + i), y = loadu<X>(b + i);
        storeu(o1 + i, x + y);
        storeu(o2 + i, y - x);
      });
    case IntervalKernel::CentreGrad:
      return lanes<T>(from, to, [&](auto z, int64_t i) {
        using X = decltype(z);
        const X h = (loadu<X>(d + i) - loadu<X>(c + i)) * all<X>(half);
        const X mask = (h >= z) & (h <= all<X>(T(INFINITY))) ? all<X>(one) : z;
        const X s = loadu<X>(a + i) * all<X>(half), e = (loadu<X>(b + i) * mask) * all<X>(half);  // read before o1 (maybe a) is written
        storeu(o1 + i, s - e);
        storeu(o2 + i, s + e);
      });
    case IntervalKernel::SignFold:
      return lanes<T>(from, to, [&](auto z, int64_t i) {
        using X = decltype(z);
        const X w = loadu<X>(c + i), sign = w > z ? all<X>(one) : w < z ? all<X>(-one) : z;
        storeu(o1 + i, loadu<X>(a + i) + loadu<X>(b + i) * sign);
      });
    case IntervalKernel::ReluGrad:
      return lanes<T>(from, to, [&](auto z, int64_t i) {
        using X = decltype(z);
        storeu(o1 + i, loadu<X>(a + i) * (loadu<X>(b + i) > z ? all<X>(one) : z));
      });
  }
}

}  // namespace

template <typename T>
void interval(IntervalKernel kind, const T* a, const T* b, const T* c, const T* d, T* o1, T* o2, int64_t n, int64_t inner,
              int64_t channels) {
  chunked(n, kChunk, kParallelElements, [&](int64_t from, int64_t to) { intervalRange(kind, a, b, c, d, o1, o2, from, to, inner, channels); });
}

namespace {

// Σ_f A·m − Σ_f |A|·r of one row: vector lanes, then the lanes in order, then the tail.
template <typename T>
T rowBound(const T* a, const T* m, const T* r, int64_t F) {
  using V = typename Simd<T>::V;
  constexpr int64_t W = Simd<T>::W;
  V centre{}, spread{};
  int64_t f = 0;
  for (; f + W <= F; f += W) {
    const V v = loadu<V>(a + f);
    centre += v * loadu<V>(m + f);
    spread += (v < 0 ? -v : v) * loadu<V>(r + f);
  }
  T c = 0, s = 0;
  for (int l = 0; l < int(W); l++) c += centre[l], s += spread[l];
  for (; f < F; f++) c += a[f] * m[f], s += std::fabs(a[f]) * r[f];
  return c - s;
}

// The backward of one example b (see interval.h): g_m, g_r rows accumulated over k in order.
template <typename T>
void rowsBackward(const T* a, const T* m, const T* r, const T* g, T* gA, T* gm, T* gr, int64_t K, int64_t F) {
  std::fill(gm, gm + F, T(0));
  std::fill(gr, gr + F, T(0));
  for (int64_t k = 0; k < K; k++, a += F, gA += F) {
    const T gk = g[k];
    lanes<T>(0, F, [&](auto z, int64_t f) {
      using X = decltype(z);
      const X v = loadu<X>(a + f), s = all<X>(gk), one = all<X>(T(1));
      const X sign = v > z ? one : v < z ? -one : z;
      storeu(gA + f, s * loadu<X>(m + f) - sign * (s * loadu<X>(r + f)));
      storeu(gm + f, loadu<X>(gm + f) + s * v);
      storeu(gr + f, loadu<X>(gr + f) - s * (v < z ? -v : v));
    });
  }
}

}  // namespace

template <typename T>
void intervalRows(bool backward, const T* A, const T* m, const T* r, const T* g, T* o1, T* o2, T* o3, int64_t B, int64_t K, int64_t F) {
  for (int64_t b = 0; b < B; b++) {
    const T *a = A + b * K * F, *mb = m + b * F, *rb = r + b * F;
    if (backward) rowsBackward(a, mb, rb, g + b * K, o1 + b * K * F, o2 + b * F, o3 + b * F, K, F);
    else
      for (int64_t k = 0; k < K; k++) o1[b * K + k] = rowBound(a + k * F, mb, rb, F);
  }
}

// One range of Adam; distinct arrays (restrict), so that the loop vectorises (double lanes).
template <typename T>
void adamRange(T* __restrict x, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t from, int64_t to, double b1, double b2,
               double stepSize, double sqrtCorrection2, double eps) {
  const double a1 = 1 - b1, a2 = 1 - b2;
  for (int64_t i = from; i < to; i++) {
    const double gi = double(g[i]);
    const T mi = T(b1 * double(m[i]) + a1 * gi), vi = T(b2 * double(v[i]) + a2 * gi * gi);  // stored first, then read back
    m[i] = mi;
    v[i] = vi;
    x[i] = T(double(x[i]) - stepSize * double(mi) / (std::sqrt(double(vi)) / sqrtCorrection2 + eps));
  }
}

template <typename T>
void adam(T* x, const T* g, T* m, T* v, int64_t n, double b1, double b2, double stepSize, double sqrtCorrection2, double eps) {
  chunked(n, kChunk, kParallelElements, [&](int64_t from, int64_t to) { adamRange(x, g, m, v, from, to, b1, b2, stepSize, sqrtCorrection2, eps); });
}

#define RELAXJS_INTERVAL(T)                                                                                                   \
  template void interval<T>(IntervalKernel, const T*, const T*, const T*, const T*, T*, T*, int64_t, int64_t, int64_t); \
  template void adam<T>(T*, const T*, T*, T*, int64_t, double, double, double, double, double);                      \
  template void intervalRows<T>(bool, const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t, int64_t);
RELAXJS_INTERVAL(float)
RELAXJS_INTERVAL(double)

}  // namespace relaxjs
