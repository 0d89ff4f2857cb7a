// Element-wise kernels, sums and the fused row reduction of the Backend contract, for float and
// double. Every element-wise result is one correctly rounded operation (so float32 results equal
// the js backend's bit for bit, except exp / log, computed in double and rounded once); sums
// accumulate in the array's precision in a fixed order (deterministic, not js's order).
#pragma once
#include <cstdint>

namespace relaxjs {

// Codes shared with src/tensor/backends/native/codes.ts.
enum class Unary { Neg, Abs, Relu, Square, Sqrt, Sign, Step, Reciprocal, Exp, Log };
enum class Binary { Add, Sub, Mul, Div, Max, Min, Gt, Ge, Lt, Le, Eq };
enum class RowMap { Identity, Relu, Abs, Square };
// How the inner row of a broadcast reads its operands: both full, b one scalar, a one scalar.
enum class Mode { Full, ScalarB, ScalarA };

template <typename T>
void unary(Unary op, const T* x, T* out, int64_t n);
template <typename T>
void clamp(const T* x, T* out, int64_t n, T lo, T hi);
// out [d0, d1, d2] = op(a, b); row (i, j) of a starts at i·as0 + j·as1 (likewise b).
template <typename T>
void binary(Binary op, const T* a, const T* b, T* out, const int64_t dims[3], Mode mode, const int64_t as[2], const int64_t bs[2]);
// x [outer, size, inner] summed over the middle → [outer, inner].
template <typename T>
void sumAxis(const T* x, T* out, int64_t outer, int64_t size, int64_t inner);
// x [outer, size, inner] summed over both ends → [size].
template <typename T>
void sumOuterInner(const T* x, T* out, int64_t outer, int64_t size, int64_t inner);
// out [outer, inner] = Σ_k a[o, k, i] · b[o, k, i].
template <typename T>
void productSumAxis(const T* a, const T* b, T* out, int64_t outer, int64_t size, int64_t inner);
// out [B, P, Q] = Σ_f map(x[b, p, q, f]) · w[b, p, f] (w = 1 when null); terms with map(x) = 0 add nothing.
template <typename T>
void rowDot(RowMap map, const T* x, const T* w, T* out, int64_t B, int64_t P, int64_t Q, int64_t F, bool xShared, bool wShared);

}  // namespace relaxjs
