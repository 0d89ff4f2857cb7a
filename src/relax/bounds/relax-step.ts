/**
 * The element-wise step of back-substitution as one fused, differentiable op (CROWN, Zhang et al.
 * 2018, Thm 3.2; the dual's ν̂ ↦ Dν̂ when the slopes agree): for rows λ `[B', R, n]` and lines
 * a_l z + b_l ≤ σ(z) ≤ a_u z + b_u,
 *
 *   rows     = λ ⊙ a_l where λ ≥ 0, λ ⊙ a_u elsewhere      `[B, R, n]`
 *   constant = Σ_k λ⁺_k b_l,k + λ⁻_k b_u,k                  `[B, R]`
 *
 * Each line is `[B'', n]` (shared by the rows) or `[B'', R | 1, n]` (per row, α-CROWN), B', B'' ∈
 * {1, B}. Numerically it is the composition of `compare`, `mul`, `where`, `clamp` and `sum` it
 * replaces (the same gradient conventions: λ = 0 takes the lower line for the rows and both biases
 * for the constant; a NaN λ takes the upper line and propagates), but it reads each operand once
 * and allocates only its two results, instead of about ten broadcast temporaries per step and as
 * many in the backward pass (the CROWN-IBP training step spent most of its time there).
 * @module
 */
import { record } from '../../autograd/index.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Lines } from './operators.js';

/** A line tensor seen as `[batch, rows, n]` with broadcast batch / rows. */
interface View {
  readonly data: ArrayLike<number>;
  readonly batch: number;
  readonly rows: number;
}

/** Rows `[B, R, ...S]` and constant `[B, R]` of the element-wise step for rows λ `[B', R, ...S]`. */
export function relaxStep(lambda: Tensor, lines: Lines): { rows: Tensor; constant: Tensor } {
  const [B0, R] = lambda.shape as [number, number];
  const n = sizeOf(lambda.shape.slice(2));
  const parts = [lines.lowerSlope, lines.upperSlope, lines.lowerBias, lines.upperBias];
  const views = parts.map((t) => (t ? viewOf(t, lambda.rank, R, n) : null));
  const B = Math.max(B0, ...views.map((v) => v?.batch ?? 1));
  for (const [k, v] of views.entries()) if (v && v.batch !== 1 && v.batch !== B) throw new Error(`relaxStep: line ${k} has batch ${v.batch}, rows have ${B}`);
  if (B0 !== 1 && B0 !== B) throw new Error(`relaxStep: rows have batch ${B0}, lines ${B}`);
  const shape = { B, B0, R, n };
  const rows = new Tensor(allocate(lambda, B * R * n), [B, R, ...lambda.shape.slice(2)]);
  const constant = new Tensor(allocate(lambda, B * R), [B, R]);
  forward(lambda.data, views, shape, rows.data, constant.data);
  const present = parts.flatMap((t, k) => (t ? [{ t, k }] : []));
  const inputs = [lambda, ...present.map((p) => p.t)];
  // the two results share their inputs: each backward pass gives every input's gradient from its own output's gradient
  const gradsOf = (gRows: Tensor | null, gConst: Tensor | null): (Tensor | null)[] => {
    const all = backward(lambda, parts, views, shape, gRows?.data ?? null, gConst?.data ?? null);
    return [all[0]!, ...present.map((p) => all[p.k + 1]!)];
  };
  record(rows, 'relaxStep', inputs, (g) => gradsOf(g, null));
  record(constant, 'relaxStepConstant', inputs, (g) => gradsOf(null, g));
  return { rows, constant };
}

function allocate(like: Tensor, size: number): Float32Array | Float64Array {
  return like.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

function viewOf(t: Tensor, rank: number, R: number, n: number): View {
  const perRow = t.rank === rank;
  const rows = perRow ? t.shape[1]! : 1;
  const view = { data: t.data, batch: t.shape[0]!, rows };
  if ((rows !== 1 && rows !== R) || t.size !== view.batch * rows * n) throw new Error(`relaxStep: a line of shape [${t.shape.join(', ')}] does not fit rows [*, ${R}, ${n}]`);
  return view;
}

/** Offset of (b, r) in a view. */
function offset(v: View, b: number, r: number, n: number): number {
  return ((v.batch === 1 ? 0 : b) * v.rows + (v.rows === 1 ? 0 : r)) * n;
}

interface StepShape { readonly B: number; readonly B0: number; readonly R: number; readonly n: number }

function forward(lam: ArrayLike<number>, views: (View | null)[], s: StepShape, rows: Float32Array | Float64Array, constant: Float32Array | Float64Array): void {
  const [aL, aU, bL, bU] = views as [View, View, View | null, View | null];
  const { B, B0, R, n } = s;
  const la = aL.data, ua = aU.data;
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const li = ((B0 === 1 ? 0 : b) * R + r) * n;
    const oi = (b * R + r) * n;
    const oL = offset(aL, b, r, n) - li, oU = offset(aU, b, r, n) - li, oo = oi - li;
    for (let k = li, end = li + n; k < end; k++) {
      const x = lam[k]!;
      rows[k + oo] = x >= 0 ? x * la[k + oL]! : x * ua[k + oU]!;
    }
    constant[b * R + r] = (bL ? biasTerm(lam, li, bL.data, offset(bL, b, r, n), n, true) : 0) + (bU ? biasTerm(lam, li, bU.data, offset(bU, b, r, n), n, false) : 0);
  }
}

/** Σ_k λ⁺_k b_k (`positive`) or Σ_k λ⁻_k b_k, NaN kept. */
function biasTerm(lam: ArrayLike<number>, li: number, bias: ArrayLike<number>, o: number, n: number, positive: boolean): number {
  let c = 0;
  for (let k = 0; k < n; k++) c += (positive ? clampLow(lam[li + k]!) : clampHigh(lam[li + k]!)) * bias[o + k]!;
  return c;
}

/** max(x, 0) with NaN kept (the `clamp` it replaces). */
function clampLow(x: number): number {
  return x < 0 ? 0 : x;
}

/** min(x, 0) with NaN kept. */
function clampHigh(x: number): number {
  return x > 0 ? 0 : x;
}

/** Gradients of λ, a_l, a_u, b_l, b_u (null for absent or constant inputs) from the rows' and constant's gradients. */
function backward(lambda: Tensor, parts: (Tensor | null)[], views: (View | null)[], s: StepShape, gRows: ArrayLike<number> | null, gConst: ArrayLike<number> | null): (Tensor | null)[] {
  const { B, B0, R, n } = s;
  const lam = lambda.data;
  const want = [lambda, ...parts].map((t) => (t && t.requiresGrad ? allocate(t, t.size) : null));
  const [gLam, gAL, gAU, gBL, gBU] = want;
  const [aL, aU, bL, bU] = views as [View, View, View | null, View | null];
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const li = ((B0 === 1 ? 0 : b) * R + r) * n;
    const oi = (b * R + r) * n;
    const oL = offset(aL, b, r, n), oU = offset(aU, b, r, n);
    const oBL = bL ? offset(bL, b, r, n) : 0, oBU = bU ? offset(bU, b, r, n) : 0;
    if (gRows) {
      for (let k = 0; k < n; k++) {
        const x = lam[li + k]!;
        const g = gRows[oi + k]!;
        if (x >= 0) {
          if (gLam) gLam[li + k] += g * aL.data[oL + k]!;
          if (gAL) gAL[oL + k] += g * x;
        } else {
          if (gLam) gLam[li + k] += g * aU.data[oU + k]!;
          if (gAU) gAU[oU + k] += g * x;
        }
      }
    }
    const gc = gConst ? gConst[b * R + r]! : 0;
    if (!gConst) continue;
    // clamp's gradient passes at the boundary: λ = 0 takes both biases
    if (bL) for (let k = 0; k < n; k++) {
      const x = lam[li + k]!;
      if (gLam && x >= 0) gLam[li + k] += gc * bL.data[oBL + k]!;
      if (gBL) gBL[oBL + k] += gc * clampLow(x);
    }
    if (bU) for (let k = 0; k < n; k++) {
      const x = lam[li + k]!;
      if (gLam && x <= 0) gLam[li + k] += gc * bU.data[oBU + k]!;
      if (gBU) gBU[oBU + k] += gc * clampHigh(x);
    }
  }
  return want.map((d, k) => (d ? new Tensor(d, (k === 0 ? lambda : parts[k - 1]!).shape) : null));
}
