// The element-wise step of back-substitution (CROWN, Zhang et al. 2018, Thm 3.2), forward and
// backward, for src/relax/bounds/relax-step.ts: for rows λ `[B0, R, n]` (B0 ∈ {1, B}) and lines
// a_l z + b_l ≤ σ(z) ≤ a_u z + b_u, each `[batch, rows, n]` with batch ∈ {1, B}, rows ∈ {1, R},
//
//   rows[b, r, k]  = λ · (a_u if λ's sign bit is set, else a_l)                       `[B, R, n]`
//   constant[b, r] = Σ_k λ · (b_u if λ's sign bit is set, else b_l)  (k in order, double) `[B, R]`
//
// Every result is the same sequence of rounded operations as the JavaScript kernel of
// src/relax/bounds/relax-step-table.ts (bit for bit, float32 and float64): products in T for the
// rows, in double for the constant and every gradient term (exact for float32 operands), each
// sum in the order of that kernel, also over broadcast axes. The work is split so that each
// output entry is computed whole by one task in that fixed order: the same bits for any thread count.
#pragma once
#include <cstdint>

namespace relaxjs {

// The geometry of one step; line[i] = {batch, rows} of a_l, a_u, b_l, b_u ({1, 1} when null).
struct StepGeom {
  int64_t B, B0, R, n;
  int64_t batch[4], rows[4];
};

// rows `[B, R, n]` and constant `[B, R]` (zeros when both biases are null); lines[2], lines[3]
// may be null (a null bias is 0: λ·0 still gives NaN for an infinite λ, as in the table kernel).
template <typename T>
void relaxStepForward(const T* lam, const T* const lines[4], T* rows, T* constant, const StepGeom& g);

// Gradients from gRows `[B, R, n]` and gConst `[B, R]` (either may be null): gLam `[B0, R, n]` and
// gLines[i] in line i's own layout (each output may be null: not computed). λ = ±0 takes a_l for
// gLam's row term and b_l + b_u for its constant term; a_l/a_u receive g·λ by the same choice,
// b_l/b_u by λ's sign bit. Every non-null output is written in full.
template <typename T>
void relaxStepBackward(const T* lam, const T* const lines[4], const T* gRows, const T* gConst, T* gLam, T* const gLines[4],
                       const StepGeom& g);

}  // namespace relaxjs
