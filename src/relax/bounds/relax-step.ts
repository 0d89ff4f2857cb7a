/**
 * The element-wise step of back-substitution as one fused, differentiable op (CROWN, Zhang et al.
 * 2018, Thm 3.2; the dual's ν̂ ↦ Dν̂ when the slopes agree): for rows λ `[B', R, n]` and lines
 * a_l z + b_l ≤ σ(z) ≤ a_u z + b_u,
 *
 *   rows     = λ ⊙ a_l where λ ≥ 0, λ ⊙ a_u elsewhere      `[B, R, n]`
 *   constant = Σ_k λ_k b_k,  b = b_l where λ ≥ 0, else b_u  `[B, R]`  (= Σ λ⁺ b_l + λ⁻ b_u)
 *
 * Each line is `[B'', n]` (shared by the rows) or `[B'', R | 1, n]` (per row, α-CROWN), B', B'' ∈
 * {1, B}. It replaces a composition of `compare`, `mul`, `where`, `clamp` and `sum` (about ten
 * broadcast temporaries each way) with one pass forward and one backward. "λ ≥ 0" is λ's sign
 * bit: −0 takes a_u and b_u in the forward (±0 either way for finite lines). Gradients keep the
 * composition's conventions: λ = ±0 takes a_l for the rows and both biases for the constant.
 * A NaN λ gives NaN rows (fail closed downstream). The constant differs from the composition
 * only where it was NaN from 0·∞ (a bias of ±∞ on the side λ does not use): here it is the
 * bias actually selected, which is still sound.
 *
 * Numbers: the rows are λ·a rounded in λ's dtype; the constant's terms λ·b and every gradient
 * term are products in double (exact for float32 operands), the constant summed over k in order
 * from +0 in double and rounded once; gradients summed over broadcast axes in the kernel's fixed
 * order. The backend's fused `relaxStep` kernel (native) gives the same bits as the JavaScript
 * table kernel (relax-step-table.ts) that every other backend runs, for any thread count.
 * @module
 */
import { recordMulti } from '../../autograd/index.js';
import type { RelaxStepSpec } from '../../tensor/backend.js';
import { getBackend } from '../../tensor/registry.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Lines } from './operators.js';
import { stepLines, tableStep, type StepKernel } from './relax-step-table.js';

/** Rows `[B, R, ...S]` and constant `[B, R]` of the element-wise step for rows λ `[B', R, ...S]`. */
export function relaxStep(lambda: Tensor, lines: Lines): { rows: Tensor; constant: Tensor } {
  const parts = [lines.lowerSlope, lines.upperSlope, lines.lowerBias, lines.upperBias];
  const spec = stepSpec(lambda, parts);
  const kernel = fusedStep(lambda, parts, spec) ?? tableStep(lambda, parts, spec);
  const rows = new Tensor(kernel.rows, [spec.B, spec.R, ...lambda.shape.slice(2)]);
  const constant = new Tensor(kernel.constant, [spec.B, spec.R]);
  const present = parts.flatMap((t, k) => (t ? [{ t, k }] : []));
  const inputs = [lambda, ...present.map((p) => p.t)];
  // one op with two results: one backward pass gives every input's gradient from both outputs' gradients (one sweep, one λ gradient)
  recordMulti([rows, constant], 'relaxStep', inputs, ([gRows, gConst]) => {
    const all = kernel.backward(gRows?.data ?? null, gConst?.data ?? null);
    const grad = (d: Float32Array | Float64Array | null | undefined, like: Tensor): Tensor | null => (d ? new Tensor(d, like.shape) : null);
    return [grad(all[0], lambda), ...present.map((p) => grad(all[p.k + 1], p.t))];
  });
  return { rows, constant };
}

/** B, B0, R, n and each line's `[batch, rows]` (checked: rows 1 or R, batches that broadcast). */
function stepSpec(lambda: Tensor, parts: readonly (Tensor | null)[]): RelaxStepSpec {
  const [B0, R] = lambda.shape as [number, number];
  const n = sizeOf(lambda.shape.slice(2));
  const layouts = parts.map((t) => (t ? layoutOf(t, lambda.rank, R, n) : ([1, 1] as const)));
  const B = Math.max(B0, ...layouts.map(([b]) => b));
  const batches = [B0, ...layouts.map(([b]) => b)];
  if (batches.some((b) => b !== 1 && b !== B)) throw new Error(`relaxStep: batch sizes ${batches.join(', ')} of rows and lines do not broadcast`);
  return { B, B0, R, n, layouts };
}

/** `[batch, rows]` of a line `[B'', n]` or `[B'', R | 1, n]` (checked against the rows). */
function layoutOf(t: Tensor, rank: number, R: number, n: number): [number, number] {
  const rows = t.rank === rank ? t.shape[1]! : 1;
  if ((rows !== 1 && rows !== R) || t.size !== t.shape[0]! * rows * n) throw new Error(`relaxStep: a line of shape [${t.shape.join(', ')}] does not fit rows [*, ${R}, ${n}]`);
  return [t.shape[0]!, rows];
}

/** The step on the backend's fused kernel, when it has one and every line has λ's dtype; else null. */
function fusedStep(lambda: Tensor, parts: readonly (Tensor | null)[], spec: RelaxStepSpec): StepKernel | null {
  const backend = getBackend();
  if (!backend.relaxStep || !backend.relaxStepGrad || parts.some((t) => t && t.dtype !== lambda.dtype)) return null;
  const lines = stepLines(parts);
  const [rows, constant] = backend.relaxStep(lambda.data, lines, spec);
  return {
    rows, constant,
    backward: (gRows, gConst) => {
      // the table kernel's choice: a slope's gradient needs the rows' gradient, a bias's the constant's
      const wanted = [lambda.requiresGrad, ...parts.map((t, i) => !!t?.requiresGrad && (i < 2 ? gRows : gConst) !== null)];
      return backend.relaxStepGrad!(lambda.data, lines, gRows, gConst, wanted, spec);
    },
  };
}
