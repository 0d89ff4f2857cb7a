#include "elementwise.h"

#include <algorithm>
#include <cmath>

#include "pool.h"
#include "simd.h"

namespace relaxjs {
namespace {

// Element-wise maps run in chunks of this many elements, over the pool past kParallelElements.
constexpr int64_t kChunk = 1 << 15, kParallelElements = 1 << 17;

template <typename F>
void chunked(int64_t n, F&& f) {
  relaxjs::chunked(n, kChunk, kParallelElements, f);
}

template <typename T, typename F>
void map1(const T* x, T* out, int64_t n, F f) {
  chunked(n, [&](int64_t from, int64_t to) {
    for (int64_t i = from; i < to; i++) out[i] = f(x[i]);
  });
}

template <typename T, typename F>
void row(const T* a, const T* b, T* out, int64_t n, Mode mode, F f) {
  if (mode == Mode::Full) for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  else if (mode == Mode::ScalarB) { const T s = b[0]; for (int64_t i = 0; i < n; i++) out[i] = f(a[i], s); }
  else { const T s = a[0]; for (int64_t i = 0; i < n; i++) out[i] = f(s, b[i]); }
}

template <typename T, typename F>
void broadcast(const T* a, const T* b, T* out, const int64_t d[3], Mode mode, const int64_t as[2], const int64_t bs[2], F f) {
  if (d[0] * d[1] == 1) {
    chunked(d[2], [&](int64_t from, int64_t to) {
      row(mode == Mode::ScalarA ? a : a + from, mode == Mode::ScalarB ? b : b + from, out + from, to - from, mode, f);
    });
    return;
  }
  const int64_t rows = d[0] * d[1], perTask = std::max<int64_t>(1, kChunk / std::max<int64_t>(1, d[2]));
  const int64_t tasks = (rows + perTask - 1) / perTask;
  parallelFor(int(tasks), rows * d[2] >= kParallelElements, [&](int t) {
    for (int64_t r = t * perTask; r < std::min(rows, (t + 1) * perTask); r++) {
      const int64_t i = r / d[1], j = r % d[1];
      row(a + i * as[0] + j * as[1], b + i * bs[0] + j * bs[1], out + r * d[2], d[2], mode, f);
    }
  });
}

template <typename T>
inline T mapped(RowMap m, T v) {
  switch (m) {
    case RowMap::Relu: return v > 0 ? v : T(0);
    case RowMap::Abs: return std::fabs(v);
    case RowMap::Square: return v * v;
    default: return v;
  }
}

// Σ_f map(x[f]) · w[f] (w = 1 when null), zero terms wherever map(x) = 0; four vector accumulators.
template <typename T, RowMap M>
T dotRow(const T* x, const T* w, int64_t n) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  V acc[4] = {V{}, V{}, V{}, V{}};
  int64_t f = 0;
  for (; f + 4 * W <= n; f += 4 * W)
    for (int u = 0; u < 4; u++) {
      V v = loadu<V>(x + f + u * W);
      if (M == RowMap::Relu) v = v > 0 ? v : V{};
      else if (M == RowMap::Abs) v = v < 0 ? -v : v;
      else if (M == RowMap::Square) v = v * v;
      acc[u] += w ? (v != 0 ? v * loadu<V>(w + f + u * W) : V{}) : v;
    }
  T s = 0;
  for (int u = 0; u < 4; u++)
    for (int l = 0; l < W; l++) s += acc[u][l];
  for (; f < n; f++) {
    const T v = mapped(M, x[f]);
    if (v != 0) s += w ? v * w[f] : v;
  }
  return s;
}

}  // namespace

template <typename T>
void unary(Unary op, const T* x, T* out, int64_t n) {
  switch (op) {
    case Unary::Neg: return map1(x, out, n, [](T v) { return -v; });
    case Unary::Abs: return map1(x, out, n, [](T v) { return std::fabs(v); });
    case Unary::Relu: return map1(x, out, n, [](T v) { return v > 0 ? v : T(0); });
    case Unary::Square: return map1(x, out, n, [](T v) { return v * v; });
    case Unary::Sqrt: return map1(x, out, n, [](T v) { return std::sqrt(v); });
    case Unary::Sign: return map1(x, out, n, [](T v) { return v > 0 ? T(1) : v < 0 ? T(-1) : T(0); });
    case Unary::Step: return map1(x, out, n, [](T v) { return v > 0 ? T(1) : T(0); });
    case Unary::Reciprocal: return map1(x, out, n, [](T v) { return T(1) / v; });
    case Unary::Exp: return map1(x, out, n, [](T v) { return T(std::exp(double(v))); });
    case Unary::Log: return map1(x, out, n, [](T v) { return T(std::log(double(v))); });
  }
}

template <typename T>
void clamp(const T* x, T* out, int64_t n, T lo, T hi) {
  map1(x, out, n, [lo, hi](T v) { return v < lo ? lo : v > hi ? hi : v; });
}

template <typename T>
void binary(Binary op, const T* a, const T* b, T* out, const int64_t d[3], Mode mode, const int64_t as[2], const int64_t bs[2]) {
  const auto go = [&](auto f) { broadcast(a, b, out, d, mode, as, bs, f); };
  switch (op) {
    case Binary::Add: return go([](T x, T y) { return x + y; });
    case Binary::Sub: return go([](T x, T y) { return x - y; });
    case Binary::Mul: return go([](T x, T y) { return x * y; });
    case Binary::Div: return go([](T x, T y) { return x / y; });
    case Binary::Max: return go([](T x, T y) { return x >= y || x != x ? x : y; });
    case Binary::Min: return go([](T x, T y) { return x <= y || x != x ? x : y; });
    case Binary::Gt: return go([](T x, T y) { return T(x > y ? 1 : 0); });
    case Binary::Ge: return go([](T x, T y) { return T(x >= y ? 1 : 0); });
    case Binary::Lt: return go([](T x, T y) { return T(x < y ? 1 : 0); });
    case Binary::Le: return go([](T x, T y) { return T(x <= y ? 1 : 0); });
    case Binary::Eq: return go([](T x, T y) { return T(x == y ? 1 : 0); });
  }
}

template <typename T>
void sumAxis(const T* x, T* out, int64_t outer, int64_t size, int64_t inner) {
  parallelFor(int(outer), outer * size * inner >= kParallelElements, [&](int o) {
    const T* src = x + o * size * inner;
    T* dst = out + o * inner;
    if (inner == 1) {
      dst[0] = dotRow<T, RowMap::Identity>(src, nullptr, size);
      return;
    }
    std::fill(dst, dst + inner, T(0));
    for (int64_t k = 0; k < size; k++, src += inner)
      for (int64_t i = 0; i < inner; i++) dst[i] += src[i];
  });
}

// Σ over o and i of x[o, s, i], one s per task, in a fixed order: vector k of each row goes into
// accumulator k mod 4, the elements past the row's last whole vector into one scalar. Short rows
// (a convolution's bias gradient: 7x7 pixels) mostly stay in vector lanes.
template <typename T>
void sumOuterInner(const T* x, T* out, int64_t outer, int64_t size, int64_t inner) {
  using V = typename Simd<T>::V;
  constexpr int64_t W = Simd<T>::W;
  // (Threads only for large sums: at 156,800 floats one thread took 10 us, two 13-23 us.)
  parallelFor(int(size), outer * size * inner >= 4 * kParallelElements, [&](int s) {
    V acc[4] = {V{}, V{}, V{}, V{}};
    T rest = 0;
    const int64_t whole = inner - inner % W;
    for (int64_t o = 0; o < outer; o++) {
      const T* row = x + (o * size + s) * inner;
      for (int64_t i = 0; i < whole; i += W) acc[(i / W) & 3] += loadu<V>(row + i);
      for (int64_t i = whole; i < inner; i++) rest += row[i];
    }
    const V both = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    T total = 0;
    for (int l = 0; l < int(W); l++) total += both[l];
    out[s] = total + rest;
  });
}

template <typename T>
void productSumAxis(const T* a, const T* b, T* out, int64_t outer, int64_t size, int64_t inner) {
  parallelFor(int(outer), outer * size * inner >= kParallelElements, [&](int o) {
    T* dst = out + o * inner;
    std::fill(dst, dst + inner, T(0));
    const int64_t base = o * size * inner;
    for (int64_t k = 0; k < size; k++)
      for (int64_t i = 0; i < inner; i++) dst[i] += a[base + k * inner + i] * b[base + k * inner + i];
  });
}

template <typename T>
void rowDot(RowMap map, const T* x, const T* w, T* out, int64_t B, int64_t P, int64_t Q, int64_t F, bool xShared, bool wShared) {
  const int64_t rows = B * P * Q;
  const int64_t perTask = std::max<int64_t>(1, kChunk / std::max<int64_t>(1, F)), tasks = (rows + perTask - 1) / perTask;
  parallelFor(int(tasks), rows * F >= kParallelElements, [&](int t) {
    for (int64_t r = t * perTask; r < std::min(rows, (t + 1) * perTask); r++) {
      const int64_t b = r / (P * Q), pq = r % (P * Q), p = pq / Q;
      const T* xr = x + ((xShared ? 0 : b) * P * Q + pq) * F;
      const T* wr = w ? w + ((wShared ? 0 : b) * P + p) * F : nullptr;
      switch (map) {
        case RowMap::Relu: out[r] = dotRow<T, RowMap::Relu>(xr, wr, F); break;
        case RowMap::Abs: out[r] = dotRow<T, RowMap::Abs>(xr, wr, F); break;
        case RowMap::Square: out[r] = dotRow<T, RowMap::Square>(xr, wr, F); break;
        default: out[r] = dotRow<T, RowMap::Identity>(xr, wr, F); break;
      }
    }
  });
}

#define RELAXJS_ELEMENTWISE(T)                                                                                      \
  template void unary<T>(Unary, const T*, T*, int64_t);                                                            \
  template void clamp<T>(const T*, T*, int64_t, T, T);                                                             \
  template void binary<T>(Binary, const T*, const T*, T*, const int64_t[3], Mode, const int64_t[2], const int64_t[2]); \
  template void sumAxis<T>(const T*, T*, int64_t, int64_t, int64_t);                                               \
  template void sumOuterInner<T>(const T*, T*, int64_t, int64_t, int64_t);                                         \
  template void productSumAxis<T>(const T*, const T*, T*, int64_t, int64_t, int64_t);                              \
  template void rowDot<T>(RowMap, const T*, const T*, T*, int64_t, int64_t, int64_t, int64_t, bool, bool);
RELAXJS_ELEMENTWISE(float)
RELAXJS_ELEMENTWISE(double)

}  // namespace relaxjs
