// No fused multiply-adds here: each result must be the rounded sequence of the generic kernels
// (and Adam's of the JavaScript loop), whatever -ffp-contract the rest of the addon uses.
// (Adam vectorises because binding.gyp compiles with -fno-math-errno: sqrt sets no errno, same NaN.)
#pragma GCC optimize("fp-contract=off")
#include "interval.h"

#include <algorithm>
#include <cmath>

#include "pool.h"

namespace relaxjs {
namespace {

constexpr int64_t kChunk = 1 << 14, kParallelElements = 1 << 17;

// The generic clamp kernel's comparison order (NaN stays NaN).
template <typename T>
inline T clampLow(T v) { return v < T(0) ? T(0) : v; }

}  // namespace

template <typename T>
void interval(IntervalKernel kind, const T* a, const T* b, const T* c, const T* d, T* o1, T* o2, int64_t n, int64_t inner,
              int64_t channels) {
  const T half = T(0.5);
  chunked(n, kChunk, kParallelElements, [&](int64_t from, int64_t to) {
    switch (kind) {
      case IntervalKernel::Centre:
        for (int64_t i = from; i < to; i++) {
          const T x = a[i], y = b[i];
          o1[i] = (x + y) * half;
          o2[i] = clampLow((y - x) * half);
        }
        break;
      case IntervalKernel::Shift:
        for (int64_t i = from; i < to; i++) {
          const T mid = c ? a[i] + c[(i / inner) % channels] : a[i], y = b[i];
          o1[i] = mid - y;
          o2[i] = mid + y;
        }
        break;
      case IntervalKernel::Split:
        for (int64_t i = from; i < to; i++) {
          const T x = a[i], y = b[i];
          o1[i] = x + y;
          o2[i] = y - x;
        }
        break;
      case IntervalKernel::CentreGrad:
        for (int64_t i = from; i < to; i++) {
          const T h = (d[i] - c[i]) * half;
          const T mask = T(h >= T(0) ? 1 : 0) * T(h <= T(INFINITY) ? 1 : 0);
          const T s = a[i] * half, e = (b[i] * mask) * half;  // both read before o1 (which may be a) is written
          o1[i] = s - e;
          o2[i] = s + e;
        }
        break;
      case IntervalKernel::SignFold:
        for (int64_t i = from; i < to; i++) o1[i] = a[i] + b[i] * (c[i] > T(0) ? T(1) : c[i] < T(0) ? T(-1) : T(0));
        break;
      case IntervalKernel::ReluGrad:
        for (int64_t i = from; i < to; i++) o1[i] = a[i] * (b[i] > T(0) ? T(1) : T(0));
        break;
    }
  });
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
  template void adam<T>(T*, const T*, T*, T*, int64_t, double, double, double, double, double);
RELAXJS_INTERVAL(float)
RELAXJS_INTERVAL(double)

}  // namespace relaxjs
