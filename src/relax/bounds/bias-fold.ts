/**
 * The bias of a linear layer folded into the lines of the element-wise layer it feeds. For
 * z = A x + b followed by σ with lines a_l z + b_l ≤ σ(z) ≤ a_u z + b_u, the same lines in terms
 * of A x are a_l (A x) + (a_l ⊙ b + b_l) and a_u (A x) + (a_u ⊙ b + b_u). Back-substitution then
 * picks up λ·b inside the element-wise step's constant (CROWN, Zhang et al. 2018, Thm 3.2:
 * Σ λ⁺ b_l + λ⁻ b_u with the shifted biases) instead of a separate product λ_z · b on rows
 * `[B, R, ...S]` and its gradient (an outer product of the same size, summed with the adjoint's):
 * the same bound, with a `[B'', ...S]` computation per layer instead of one per row.
 * @module
 */
import { add, mul, recordMulti } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { BoundGraph, Lines } from './operators.js';

type Data = Float32Array | Float64Array;

/** Shifted lines already built, per lines object and bias (row groups of one pass ask again). */
const folded = new WeakMap<Lines, WeakMap<Tensor, Lines>>();

/** The lines `[B'', ...S]` with the bias b (broadcastable to `[1, ...S]`) folded into their biases. */
export function linesWithBias(lines: Lines, bias: Tensor): Lines {
  let byBias = folded.get(lines);
  const known = byBias?.get(bias);
  if (known) return known;
  const out = shiftedLines(lines, bias);
  if (!byBias) folded.set(lines, (byBias = new WeakMap()));
  byBias.set(bias, out);
  return out;
}

/**
 * (a_l, a_u, a_l ⊙ b + b_l, a_u ⊙ b + b_u) as one differentiable op: each shifted bias computed
 * in float64 and rounded once, b's gradient Σ_batch (g_l a_l + g_u a_u) summed in float64. The
 * slopes come out as views of the input slopes (the same buffers; lines are never written in
 * place), so the step that reads the lines sends the slopes' gradient here, where it is added to
 * g ⊙ b in one pass: no gradient sum on the slopes, no g ⊙ b temporary (the composition
 * `add(mul(a, b), b_l)` also rounds twice and writes four temporaries). Lines of different
 * shapes take the composition.
 */
function shiftedLines(lines: Lines, bias: Tensor): Lines {
  const { lowerSlope: ls, upperSlope: us, lowerBias: lb, upperBias: ub } = lines;
  const shape = ls.shape;
  const same = (t: Tensor | null): boolean => !t || (t.dtype === ls.dtype && t.shape.length === shape.length && t.shape.every((d, k) => d === shape[k]));
  const unit = unitIndex(bias, shape.slice(1));
  if (!unit || bias.dtype !== ls.dtype || !(same(us) && same(lb) && same(ub))) {
    const shift = (slope: Tensor, b: Tensor | null): Tensor => (b ? add(mul(slope, bias), b) : mul(slope, bias));
    return { lowerSlope: ls, upperSlope: us, lowerBias: shift(ls, lb), upperBias: shift(us, ub) };
  }
  const make = (): Tensor => new Tensor(ls.dtype === 'float64' ? new Float64Array(ls.size) : new Float32Array(ls.size), shape);
  const out: Lines = { lowerSlope: new Tensor(ls.data, shape), upperSlope: new Tensor(us.data, shape), lowerBias: make(), upperBias: make() };
  const perUnit = Float64Array.from(unit, (j) => bias.data[j]!); // b broadcast to one entry per unit
  shiftKernel(ls.data, lb?.data ?? null, perUnit, out.lowerBias!.data);
  shiftKernel(us.data, ub?.data ?? null, perUnit, out.upperBias!.data);
  const inputs = [ls, us, bias, ...(lb ? [lb] : []), ...(ub ? [ub] : [])];
  recordMulti([out.lowerSlope, out.upperSlope, out.lowerBias!, out.upperBias!], 'foldBias', inputs, ([gLs, gUs, gL, gU]) => {
    const slopeGrad = (slope: Tensor, gs: Tensor | null, g: Tensor | null): Tensor | null => (slope.requiresGrad && (gs || g) ? slopeGradient(gs, g, perUnit, slope) : null);
    let db: Tensor | null = null;
    if (bias.requiresGrad) {
      const perUnitGrad = new Float64Array(unit.length);
      if (gL) biasGradient(gL.data, ls.data, perUnitGrad);
      if (gU) biasGradient(gU.data, us.data, perUnitGrad);
      const sums = new Float64Array(bias.size);
      unit.forEach((j, k) => { sums[j] += perUnitGrad[k]!; });
      db = Tensor.from(sums, bias.shape, bias.dtype);
    }
    const grads: (Tensor | null)[] = [slopeGrad(ls, gLs, gL), slopeGrad(us, gUs, gU), db];
    if (lb) grads.push(gL); // ∂(a b + b_l)/∂b_l = 1: the gradient itself (gradients are never written in place)
    if (ub) grads.push(gU);
    return grads;
  });
  return out;
}

/** For each unit of `[...S]` (row-major), the entry of b (`[1, ...S']`, each axis 1 or S's) broadcast to it; null when b does not broadcast. */
function unitIndex(bias: Tensor, S: readonly number[]): Int32Array | null {
  const bs = bias.shape.slice(1);
  if (bias.shape[0] !== 1 || bs.length !== S.length || bs.some((d, k) => d !== 1 && d !== S[k])) return null;
  const n = S.reduce((a, d) => a * d, 1);
  const index = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let rest = k, at = 0, stride = 1;
    for (let d = S.length - 1; d >= 0; d--) {
      const i = rest % S[d]!;
      rest = (rest - i) / S[d]!;
      if (bs[d] !== 1) at += i * stride;
      stride *= bs[d]!;
    }
    index[k] = at;
  }
  return index;
}

// The kernels loop over examples (stride n, the units per example) and units: b's entry of unit k is bx[k].

function shiftKernel(slope: Data, lineBias: Data | null, bx: Float64Array, out: Data): void {
  const n = bx.length;
  for (let e = 0; e < slope.length; e += n) {
    if (lineBias) for (let k = 0; k < n; k++) out[e + k] = slope[e + k]! * bx[k]! + lineBias[e + k]!;
    else for (let k = 0; k < n; k++) out[e + k] = slope[e + k]! * bx[k]!;
  }
}

function biasGradient(g: Data, slope: Data, dbx: Float64Array): void {
  const n = dbx.length;
  for (let e = 0; e < g.length; e += n) for (let k = 0; k < n; k++) dbx[k] += g[e + k]! * slope[e + k]!;
}

/** g_slope + g_bias ⊙ b (either may be absent; g_slope itself when g_bias is), each entry in float64 and rounded once. */
function slopeGradient(gs: Tensor | null, g: Tensor | null, bx: Float64Array, slope: Tensor): Tensor {
  if (!g) return gs!;
  const out = new Tensor(slope.dtype === 'float64' ? new Float64Array(slope.size) : new Float32Array(slope.size), slope.shape);
  const [o, n] = [out.data, bx.length];
  if (!gs) for (let e = 0; e < o.length; e += n) for (let k = 0; k < n; k++) o[e + k] = g.data[e + k]! * bx[k]!;
  else {
    const [a, d] = [gs.data, g.data];
    for (let e = 0; e < o.length; e += n) for (let k = 0; k < n; k++) o[e + k] = a[e + k]! + d[e + k]! * bx[k]!;
  }
  return out;
}

/**
 * Whether the bias of node j's linear op can be folded into the lines of element-wise node i
 * when back-substituting from `target`: j is linear with a bias, i is its only consumer among
 * nodes ≤ target (so λ_j comes from i alone), and the lines are per unit (`[B'', ...S]`, not
 * α-CROWN's per-row `[B'', R, ...S]`, where the shifted biases would be as large as the rows).
 */
export function canFoldBias(graph: BoundGraph, i: number, target: number, lines: Lines): boolean {
  const j = graph.nodes[i]!.inputs[0]!;
  const op = graph.nodes[j]?.op;
  if (!op || op.kind !== 'linear' || !op.bias) return false;
  for (let k = j + 1; k <= target; k++) if (k !== i && graph.nodes[k]!.inputs.includes(j)) return false;
  const rank = 1 + graph.nodes[i]!.shape.length;
  return [lines.lowerSlope, lines.upperSlope, lines.lowerBias, lines.upperBias].every((t) => !t || t.rank === rank);
}
