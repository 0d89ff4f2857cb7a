// No fused multiply-adds here: each result must be the rounded sequence of the table kernel
// (src/relax/bounds/relax-step-table.ts), whatever -ffp-contract the rest of the addon uses.
#pragma GCC optimize("fp-contract=off")
#include "relax-step.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

#include "pool.h"
#include "simd.h"

namespace relaxjs {
namespace {

constexpr int64_t kParallelEntries = 1 << 15;  // B·R·n from which a step is spread over the pool
constexpr int kBlock = 128;                    // entries of n per block (the backward's task width)
constexpr int kGroup = 8;                      // rows whose constants are summed side by side
constexpr int kTaskEntries = 1 << 14;          // about this many entries per forward task

// λ's sign bit (−0 and NaNs with the bit set count as negative: the table kernel's index; a float
// keeps its sign bit when widened to double).
inline bool negative(double x) {
  uint64_t u;
  std::memcpy(&u, &x, 8);
  return (u >> 63) != 0;
}

// Offset (in entries of n) of (b, r) in a [batch, rows, n] layout with broadcast axes.
inline int64_t at(int64_t batch, int64_t rows, int64_t b, int64_t r) { return (batch == 1 ? 0 : b) * rows + (rows == 1 ? 0 : r); }

template <typename T>
const T* zeros() {
  static const T z[kBlock] = {};
  return z;
}

// Line i's entries [k0, k0 + kBlock) at (b, r); a null line reads zeros.
template <typename T>
inline const T* lineAt(const T* const L[4], const StepGeom& g, int i, int64_t b, int64_t r, int64_t k0) {
  return L[i] ? L[i] + at(g.batch[i], g.rows[i], b, r) * g.n + k0 : zeros<T>();
}

template <typename T>
inline const T* lamAt(const T* lam, const StepGeom& g, int64_t b, int64_t r, int64_t k0) {
  return lam + ((g.B0 == 1 ? 0 : b) * g.R + r) * g.n + k0;
}

// Lanes: every step works on doubles, W at a time (float entries converted exactly), then one at a
// time for the tail; the generic bodies below take a tag, D (a vector) or double (a scalar).
using D = Simd<double>::V;
constexpr int W = Simd<double>::W;
typedef int64_t M __attribute__((vector_size(kVectorBytes)));
typedef float F __attribute__((vector_size(kVectorBytes / 2)));

inline D load(const double* p, D) { return loadu<D>(p); }
inline D load(const float* p, D) { return __builtin_convertvector(loadu<F>(p), D); }
inline double load(const double* p, double) { return *p; }
inline double load(const float* p, double) { return double(*p); }
// A float result is the double one rounded once: the same bits as the float product (exact in double).
inline void store(double* p, D v) { storeu(p, v); }
inline void store(float* p, D v) { storeu(p, __builtin_convertvector(v, F)); }
inline void store(double* p, double v) { *p = v; }
inline void store(float* p, double v) { *p = float(v); }
inline M signOf(D x) {
  M bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits < 0;
}
inline bool signOf(double x) { return negative(x); }
inline M notm(M m) { return m == 0; }
inline bool notm(bool m) { return !m; }

template <typename Body>
inline void lanes(int len, Body&& body) {
  int k = 0;
  for (; k + W <= len; k += W) body(D{}, k);
  for (; k < len; k++) body(0.0, k);
}

// rows = λ·a (a by the sign bit), rounded in T; p = λ·b in double (the constant's terms).
template <typename T>
void forwardBlock(const T* x, const T* al, const T* au, const T* bl, const T* bu, T* rows, double* p, int len) {
  lanes(len, [&](auto tag, int k) {
    const auto v = load(x + k, tag);
    const auto neg = signOf(v);
    store(rows + k, v * (neg ? load(au + k, tag) : load(al + k, tag)));
    if (p) store(p + k, v * (neg ? load(bu + k, tag) : load(bl + k, tag)));
  });
}

// Rows [q0, q1) of the flattened [B, R]: their rows and constants (each constant summed over k in
// order from +0, kGroup rows side by side as independent chains).
template <typename T>
void forwardRows(const T* lam, const T* const L[4], T* rows, T* constant, const StepGeom& g, int64_t q0, int64_t q1) {
  const bool biased = L[2] || L[3];
  double p[kGroup][kBlock];
  for (int64_t q = q0; q < q1; q += kGroup) {
    const int m = int(std::min<int64_t>(kGroup, q1 - q));
    for (int i = m; i < kGroup; i++) std::fill(p[i], p[i] + kBlock, 0.0);
    double c[kGroup] = {};
    for (int64_t k0 = 0; k0 < g.n; k0 += kBlock) {
      const int len = int(std::min<int64_t>(kBlock, g.n - k0));
      for (int i = 0; i < m; i++) {
        const int64_t b = (q + i) / g.R, r = (q + i) % g.R;
        forwardBlock(lamAt(lam, g, b, r, k0), lineAt(L, g, 0, b, r, k0), lineAt(L, g, 1, b, r, k0), lineAt(L, g, 2, b, r, k0),
                     lineAt(L, g, 3, b, r, k0), rows + (q + i) * g.n + k0, biased ? p[i] : nullptr, len);
      }
      if (biased)
        for (int k = 0; k < len; k++)
          for (int i = 0; i < kGroup; i++) c[i] += p[i][k];
    }
    for (int i = 0; i < m; i++) constant[q + i] = T(c[i]);
  }
}

// out += the term of dλ, rounded in T: Mode 0 the rows' g·a, 1 the constant's, 2 their sum (λ = ±0:
// a_l, and g_c·(b_l + b_u) as clamp's gradient at the boundary).
// (First: out is not read, its +0 is added: the first of the terms, or the only one.)
template <typename T, int Mode, bool First>
void lamTerms(const T* x, const T* al, const T* au, const T* bl, const T* bu, const T* gr, double gc, T* out, int len) {
  lanes(len, [&](auto tag, int k) {
    using V = decltype(tag);
    const V v = load(x + k, tag), c = splat<V>(gc);
    const auto neg = signOf(v), zero = v == 0.0;
    V term;
    if constexpr (Mode != 1) term = load(gr + k, tag) * (zero | notm(neg) ? load(al + k, tag) : load(au + k, tag));
    if constexpr (Mode != 0) {
      const V fromConst = zero ? c * (load(bl + k, tag) + load(bu + k, tag)) : c * (neg ? load(bu + k, tag) : load(bl + k, tag));
      term = Mode == 2 ? term + fromConst : fromConst;
    }
    store(out + k, (First ? V{} : load(out + k, tag)) + term);
  });
}

// dλ on [k0, k0 + len): each λ cell sums its terms over the broadcast batch in order from +0, in T.
template <typename T>
void lamGradient(const T* lam, const T* const L[4], const T* gRows, const T* gConst, int mode, T* gLam, const StepGeom& g,
                 int64_t k0, int len) {
  for (int64_t b0 = 0; b0 < g.B0; b0++)
    for (int64_t r = 0; r < g.R; r++) {
      T* out = gLam + (b0 * g.R + r) * g.n + k0;
      if (mode < 0) {
        std::fill(out, out + len, T(0));
        continue;
      }
      for (int64_t b = (g.B0 == 1 ? 0 : b0); b < (g.B0 == 1 ? g.B : b0 + 1); b++) {
        const T* x = lamAt(lam, g, b, r, k0);
        const T *al = lineAt(L, g, 0, b, r, k0), *au = lineAt(L, g, 1, b, r, k0), *bl = lineAt(L, g, 2, b, r, k0), *bu = lineAt(L, g, 3, b, r, k0);
        const T* gr = gRows ? gRows + (b * g.R + r) * g.n + k0 : nullptr;
        const double gc = gConst ? double(gConst[b * g.R + r]) : 0.0;
        const bool first = b == (g.B0 == 1 ? 0 : b0);
        const auto run = [&](auto mode) {
          constexpr int Mode = decltype(mode)::value;
          if (first) lamTerms<T, Mode, true>(x, al, au, bl, bu, gr, gc, out, len);
          else lamTerms<T, Mode, false>(x, al, au, bl, bu, gr, gc, out, len);
        };
        if (mode == 0) run(std::integral_constant<int, 0>{});
        else if (mode == 1) run(std::integral_constant<int, 1>{});
        else run(std::integral_constant<int, 2>{});
      }
    }
}

// inner[j] += g·λ for each line j of `Set` (bit j: 0 a_l, 1 a_u, 2 b_l, 3 b_u) where it is the
// line taken, else +0 (inner starts at +0 so it is never −0: adding +0 changes nothing, and skips a
// NaN the table never adds). Slopes: λ = ±0 takes a_l; biases: λ's sign bit.
template <typename T, int Set>
void lineTerms(const T* x, const T* gr, double gc, double (*inner)[kBlock], int len) {
  lanes(len, [&](auto tag, int k) {
    using V = decltype(tag);
    const V v = load(x + k, tag);
    const auto neg = signOf(v);
    const auto add = [&](double* to, V w) { store(to + k, load(to + k, tag) + w); };
    if constexpr ((Set & 3) != 0) {
      const V w = load(gr + k, tag) * v;
      const auto upper = notm(v == 0.0) & neg;
      if constexpr ((Set & 1) != 0) add(inner[0], upper ? V{} : w);
      if constexpr ((Set & 2) != 0) add(inner[1], upper ? w : V{});
    }
    if constexpr ((Set & 12) != 0) {
      const V w = splat<V>(gc) * v;
      if constexpr ((Set & 4) != 0) add(inner[2], neg ? V{} : w);
      if constexpr ((Set & 8) != 0) add(inner[3], neg ? w : V{});
    }
  });
}

template <typename T>
using LineTerms = void (*)(const T*, const T*, double, double (*)[kBlock], int);

template <typename T, int... S>
constexpr std::array<LineTerms<T>, sizeof...(S)> lineTermTable(std::integer_sequence<int, S...>) {
  return {&lineTerms<T, S>...};
}

// Wanted line gradients summed in the same order: one own layout (tb, tr) and one layout (pb, pr)
// of the table kernel's interleaved pair (the broadcast of a_l's and a_u's, or b_l's and b_u's).
struct LineGroup {
  int set = 0;  // bit j: line j
  int64_t tb = 1, tr = 1, pb = 1, pr = 1;
};

// One cell (pbi, pri) of the pair table: its terms summed from +0 in double over the loop's
// (b, r) in order (the table's dT), then added to the group's outputs in T (the table's split).
template <typename T>
void pairCell(const T* lam, const T* gRows, const T* gConst, const LineGroup& grp, const StepGeom& g, int64_t pbi, int64_t pri,
              T* const out[4], int64_t k0, int len) {
  static constexpr auto terms = lineTermTable<T>(std::make_integer_sequence<int, 16>{});
  double inner[4][kBlock];
  for (int j = 0; j < 4; j++)
    if (grp.set >> j & 1) std::fill(inner[j], inner[j] + len, 0.0);
  for (int64_t b = (grp.pb == 1 ? 0 : pbi); b < (grp.pb == 1 ? g.B : pbi + 1); b++)
    for (int64_t r = (grp.pr == 1 ? 0 : pri); r < (grp.pr == 1 ? g.R : pri + 1); r++) {
      const T* gr = gRows ? gRows + (b * g.R + r) * g.n + k0 : nullptr;
      terms[grp.set](lamAt(lam, g, b, r, k0), gr, gConst ? double(gConst[b * g.R + r]) : 0.0, inner, len);
    }
  for (int j = 0; j < 4; j++)
    if (grp.set >> j & 1) lanes(len, [&](auto tag, int k) { store(out[j] + k, load(out[j] + k, tag) + load(inner[j] + k, tag)); });
}

// The group's outputs on [k0, k0 + len): each own cell sums the pair cells it covers, in order.
template <typename T>
void groupGradient(const T* lam, const T* gRows, const T* gConst, T* const gLines[4], const LineGroup& grp, const StepGeom& g,
                   int64_t k0, int len) {
  const bool allB = grp.tb != grp.pb, allR = grp.tr != grp.pr;
  for (int64_t ob = 0; ob < grp.tb; ob++)
    for (int64_t orow = 0; orow < grp.tr; orow++) {
      T* out[4] = {};
      for (int j = 0; j < 4; j++)
        if (grp.set >> j & 1) {
          out[j] = gLines[j] + (ob * grp.tr + orow) * g.n + k0;
          std::fill(out[j], out[j] + len, T(0));
        }
      for (int64_t pbi = allB ? 0 : ob; pbi < (allB ? grp.pb : ob + 1); pbi++)
        for (int64_t pri = allR ? 0 : orow; pri < (allR ? grp.pr : orow + 1); pri++)
          pairCell(lam, gRows, gConst, grp, g, pbi, pri, out, k0, len);
    }
}

// The wanted line gradients that have an upstream gradient, grouped by (own, pair) layout; the
// others are zeros (written here).
template <typename T>
int lineGroups(const T* const L[4], const T* gRows, const T* gConst, T* const gLines[4], const StepGeom& g, LineGroup groups[4]) {
  int count = 0;
  for (int j = 0; j < 4; j++) {
    if (!gLines[j]) continue;
    if (!L[j] || !(j < 2 ? gRows : gConst)) {
      std::fill(gLines[j], gLines[j] + g.batch[j] * g.rows[j] * g.n, T(0));
      continue;
    }
    const int p = j < 2 ? 0 : 2;
    LineGroup key;
    key.tb = g.batch[j], key.tr = g.rows[j];
    key.pb = std::max(g.batch[p], g.batch[p + 1]), key.pr = std::max(g.rows[p], g.rows[p + 1]);
    int at = 0;
    while (at < count && !(groups[at].tb == key.tb && groups[at].tr == key.tr && groups[at].pb == key.pb && groups[at].pr == key.pr)) at++;
    if (at == count) groups[count++] = key;
    groups[at].set |= 1 << j;
  }
  return count;
}

}  // namespace

template <typename T>
void relaxStepForward(const T* lam, const T* const lines[4], T* rows, T* constant, const StepGeom& g) {
  const int64_t total = g.B * g.R, n = std::max<int64_t>(g.n, 1);
  const int64_t per = std::max<int64_t>(1, (kTaskEntries / n + kGroup - 1) / kGroup) * kGroup;
  parallelFor(int((total + per - 1) / per), total * g.n >= kParallelEntries,
              [&](int t) { forwardRows(lam, lines, rows, constant, g, t * per, std::min(total, (t + 1) * per)); });
}

template <typename T>
void relaxStepBackward(const T* lam, const T* const lines[4], const T* gRows, const T* gConst, T* gLam, T* const gLines[4],
                       const StepGeom& g) {
  const bool constTerm = gConst && (lines[2] || lines[3]);
  const int mode = gRows ? (constTerm ? 2 : 0) : (constTerm ? 1 : -1);
  LineGroup groups[4];
  const int count = lineGroups(lines, gRows, gConst, gLines, g, groups);
  parallelFor(int((g.n + kBlock - 1) / kBlock), g.B * g.R * g.n >= kParallelEntries, [&](int t) {
    const int64_t k0 = int64_t(t) * kBlock;
    const int len = int(std::min<int64_t>(kBlock, g.n - k0));
    if (gLam) lamGradient(lam, lines, gRows, gConst, mode, gLam, g, k0, len);
    for (int i = 0; i < count; i++) groupGradient(lam, gRows, gConst, gLines, groups[i], g, k0, len);
  });
}

#define RELAXJS_RELAX_STEP(T)                                                                          \
  template void relaxStepForward<T>(const T*, const T* const[4], T*, T*, const StepGeom&);            \
  template void relaxStepBackward<T>(const T*, const T* const[4], const T*, const T*, T*, T* const[4], \
                                     const StepGeom&);
RELAXJS_RELAX_STEP(float)
RELAXJS_RELAX_STEP(double)

}  // namespace relaxjs
