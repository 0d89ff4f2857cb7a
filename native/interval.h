// Fused element-wise kernels of interval arithmetic (IBP, src/autograd/ops/interval.ts) and the
// Adam update (src/optim/adam.ts). Each result is the same sequence of correctly rounded
// operations as the generic kernels they replace, so float32 and float64 results equal the
// composed js / wasm kernels bit for bit.
#pragma once
#include <cstdint>

namespace relaxjs {

enum class IntervalKernel { Centre, Shift, Split, CentreGrad, ReluGrad, SignFold };

// Centre:     (a = l, b = u)              → o1 = (l + u)·½, o2 = clamp((u − l)·½, 0, ∞)
// Shift:      (a = c, b = r, bias | null) → mid = c + bias[(i / inner) % channels], o1 = mid − r, o2 = mid + r
// Split:      (a = g_lo, b = g_hi)        → o1 = g_lo + g_hi, o2 = g_hi − g_lo
// CentreGrad: (a = g_m, b = g_r, c = l, d = u) → s = g_m·½, h = (u − l)·½, e = (g_r·[0 ≤ h ≤ ∞])·½, o1 = s − e, o2 = s + e
// ReluGrad:   (a = g, b = x)              → o1 = g·step(x) (the ReLU's backward, one output; o2 is not written)
// SignFold:   (a, b, c)                   → o1 = a + b·sign(c) (a weight's gradient through W and |W|; one output)
// The outputs may be the inputs a and b themselves (each element's inputs are read before its outputs are written).
template <typename T>
void interval(IntervalKernel kind, const T* a, const T* b, const T* c, const T* d, T* o1, T* o2, int64_t n, int64_t inner,
              int64_t channels);

// The lower bound of rows A [B, K, F] over the box m ± r (m, r [B, F]; IBP's merged last layer):
// forward:  o1 [B, K] = Σ_f A·m − Σ_f |A|·r (each sum in T, lanes in a fixed order);
// backward (g [B, K]): o1 = g_A [B, K, F] = g·m − sign(A)·(g·r), o2 = g_m [B, F] = Σ_k g·A,
// o3 = g_r [B, F] = −Σ_k g·|A| (k ascending). No term is skipped: 0·∞ is NaN (fail closed).
template <typename T>
void intervalRows(bool backward, const T* A, const T* m, const T* r, const T* g, T* o1, T* o2, T* o3, int64_t B, int64_t K, int64_t F);

// Adam (PyTorch semantics, as src/optim/adam.ts, in double with the moments stored in T first):
// m ← b1·m + (1 − b1)·g, v ← b2·v + (1 − b2)·g², x ← x − stepSize·m / (√v / sqrtCorrection2 + eps).
template <typename T>
void adam(T* x, const T* g, T* m, T* v, int64_t n, double b1, double b2, double stepSize, double sqrtCorrection2, double eps);

}  // namespace relaxjs
