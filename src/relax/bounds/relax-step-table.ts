/**
 * The JavaScript kernel of {@link relaxStep} (src/relax/bounds/relax-step.ts), the one js, wasm
 * and gpujs run (the native backend has a fused kernel with the same bits, native/relax-step.cc).
 * The two lines of a pair are interleaved in one Float64 table `[batch, rows, n, 2]` and picked by
 * λ's sign bit as an index, not by a branch: λ's signs are random, and a mispredicted branch per
 * entry made the plain loop 15× slower. Line gradients are summed in that table (double, over the
 * (b, r) the table broadcasts, in order) and then into each line's own layout (in its dtype).
 * @module
 */
import type { RelaxStepSpec, StepLines } from '../../tensor/backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';

/** The forward results and the backward of one step (gradients of λ, a_l, a_u, b_l, b_u; null where not wanted). */
export interface StepKernel {
  readonly rows: TypedArray;
  readonly constant: TypedArray;
  backward(gRows: TypedArray | null, gConst: TypedArray | null): (TypedArray | null)[];
}

/** Two lines' tensors interleaved as `[batch, rows, n, 2]` (first: λ ≥ 0, second: λ < 0). */
interface Pair {
  readonly table: Float64Array;
  readonly batch: number;
  readonly rows: number;
  readonly parts: readonly (Tensor | null)[];
}

interface StepShape { readonly B: number; readonly B0: number; readonly R: number; readonly n: number }

/** The step of λ `[B0, R, n]` through a_l, a_u, b_l, b_u (`parts`, biases nullable) by the table kernel. */
export function tableStep(lambda: Tensor, parts: readonly (Tensor | null)[], spec: RelaxStepSpec): StepKernel {
  const { B, R, n } = spec;
  const slopes = pairOf(parts[0]!, parts[1]!, spec, 0)!;
  const biases = pairOf(parts[2] ?? null, parts[3] ?? null, spec, 2);
  const rows = allocate(lambda, B * R * n);
  const constant = allocate(lambda, B * R);
  const signs = signWords(lambda);
  forward(lambda.data, signs, slopes, biases, spec, rows, constant);
  return { rows, constant, backward: (gRows, gConst) => backward(lambda, signs, slopes, biases, spec, gRows, gConst) };
}

/** The lines as the typed arrays of {@link Backend.relaxStep}. */
export function stepLines(parts: readonly (Tensor | null)[]): StepLines {
  return [parts[0]!.data, parts[1]!.data, parts[2]?.data ?? null, parts[3]?.data ?? null];
}

function allocate(like: Tensor, size: number): Float32Array | Float64Array {
  return like.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** λ's data as 32-bit words and the stride to each entry's sign word (float32: 1, float64: 2, high word). */
function signWords(lambda: Tensor): { words: Int32Array; stride: number } {
  const d = lambda.data;
  const stride = d.BYTES_PER_ELEMENT / 4;
  return { words: new Int32Array(d.buffer, d.byteOffset, d.length * stride), stride };
}

/** Offset (in entries of n) of (b, r) in a `[batch, rows, n]` layout with broadcast axes. */
function at(batch: number, rows: number, b: number, r: number): number {
  return (batch === 1 ? 0 : b) * rows + (rows === 1 ? 0 : r);
}

/** Tables built so far, by their first line (the engine asks for the same lines for every row group and target). */
const tables = new WeakMap<Tensor, Pair>();

/** The interleaved table of two lines (a null line is 0), at the broadcast of their layouts; null when both are null. */
function pairOf(first: Tensor | null, second: Tensor | null, spec: RelaxStepSpec, at: number): Pair | null {
  if (!first && !second) return null;
  const { R, n } = spec;
  const known = tables.get((first ?? second)!);
  if (known && known.parts[0] === first && known.parts[1] === second && (known.rows === 1 || known.rows === R)) return known;
  const layouts = [spec.layouts[at]!, spec.layouts[at + 1]!];
  const batch = Math.max(layouts[0]![0], layouts[1]![0]);
  const rows = Math.max(layouts[0]![1], layouts[1]![1]);
  const table = new Float64Array(batch * rows * n * 2);
  if (first) fillTable(table, first.data, 0, layouts[0]![0], layouts[0]![1], batch, rows, n);
  if (second) fillTable(table, second.data, 1, layouts[1]![0], layouts[1]![1], batch, rows, n);
  const pair = { table, batch, rows, parts: [first, second] };
  // a leaf that requires grad may be updated in place by an optimiser: never cached
  if ([first, second].every((t) => !t || !t.requiresGrad || t.gradFn)) tables.set((first ?? second)!, pair);
  return pair;
}

function fillTable(table: Float64Array, src: Float32Array | Float64Array, side: number, tb: number, tr: number, batch: number, rows: number, n: number): void {
  for (let b = 0; b < batch; b++) for (let r = 0; r < rows; r++) {
    const from = at(tb, tr, b, r) * n, to = 2 * (b * rows + r) * n + side;
    for (let k = 0; k < n; k++) table[to + 2 * k] = src[from + k]!;
  }
}

type Data = Float32Array | Float64Array;

function forward(lam: Data, signs: { words: Int32Array; stride: number }, slopes: Pair, biases: Pair | null, s: StepShape, rows: Data, constant: Data): void {
  const { B, B0, R, n } = s;
  rowsKernel(lam, signs.words, signs.stride, slopes.table, slopes.batch, slopes.rows, rows, B, B0, R, n);
  if (biases) constantKernel(lam, signs.words, signs.stride, biases.table, biases.batch, biases.rows, constant, B, B0, R, n);
}

// The kernels take typed arrays and numbers only (monomorphic, so V8 keeps them optimised).

function rowsKernel(lam: Data, words: Int32Array, stride: number, T: Float64Array, tb: number, tr: number, rows: Data, B: number, B0: number, R: number, n: number): void {
  const hi = stride - 1;
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const li = ((B0 === 1 ? 0 : b) * R + r) * n;
    const oi = (b * R + r) * n;
    const t0 = 2 * at(tb, tr, b, r) * n;
    for (let k = 0; k < n; k++) rows[oi + k] = lam[li + k]! * T[t0 + 2 * k + (words[(li + k) * stride + hi]! >>> 31)]!;
  }
}

function constantKernel(lam: Data, words: Int32Array, stride: number, TB: Float64Array, tb: number, tr: number, constant: Data, B: number, B0: number, R: number, n: number): void {
  const hi = stride - 1;
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const li = ((B0 === 1 ? 0 : b) * R + r) * n;
    const c0 = 2 * at(tb, tr, b, r) * n;
    let c = 0;
    for (let k = 0; k < n; k++) c += lam[li + k]! * TB[c0 + 2 * k + (words[(li + k) * stride + hi]! >>> 31)]!;
    constant[b * R + r] = c;
  }
}

/** Gradients of λ, a_l, a_u, b_l, b_u (null for absent or constant inputs) from the rows' and constant's gradients. */
function backward(lambda: Tensor, signs: { words: Int32Array; stride: number }, slopes: Pair, biases: Pair | null, s: StepShape, gRows: Data | null, gConst: Data | null): (TypedArray | null)[] {
  const { B, B0, R, n } = s;
  const gLam = lambda.requiresGrad ? allocate(lambda, lambda.size) : null;
  const wants = (p: Pair | null): boolean => !!p && p.parts.some((t) => t?.requiresGrad);
  const dT = gRows && wants(slopes) ? new Float64Array(slopes.table.length) : null;
  const dTB = gConst && biases && wants(biases) ? new Float64Array(biases.table.length) : null;
  const none = new Float64Array(0);
  if (gRows && gConst && biases) {
    bothGradient(lambda.data, signs.words, signs.stride, slopes.table, slopes.batch, slopes.rows, biases.table, biases.batch, biases.rows, gRows, gConst, gLam ?? none, dT ?? none, dTB ?? none, B, B0, R, n);
  } else {
    if (gRows) rowsGradient(lambda.data, signs.words, signs.stride, slopes.table, slopes.batch, slopes.rows, gRows, gLam ?? none, dT ?? none, B, B0, R, n);
    if (gConst && biases) constantGradient(lambda.data, signs.words, signs.stride, biases.table, biases.batch, biases.rows, gConst, gLam ?? none, dTB ?? none, B, B0, R, n);
  }
  const out: (TypedArray | null)[] = [gLam];
  out.push(...split(slopes, dT, n), ...split(biases, dTB, n));
  return out;
}

/** dλ += g·a (the line taken; λ = ±0 takes a_l, the composition's λ ≥ 0, a predictable branch) and dT += g·λ; empty outputs are skipped. */
function rowsGradient(lam: Data, words: Int32Array, stride: number, T: Float64Array, tb: number, tr: number, g: Data, gLam: Data, dT: Float64Array, B: number, B0: number, R: number, n: number): void {
  const hi = stride - 1;
  const wantLam = gLam.length > 0, wantT = dT.length > 0;
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const li = ((B0 === 1 ? 0 : b) * R + r) * n;
    const oi = (b * R + r) * n;
    const t0 = 2 * at(tb, tr, b, r) * n;
    for (let k = 0; k < n; k++) {
      const x = lam[li + k]!;
      const j = t0 + 2 * k + (x === 0 ? 0 : words[(li + k) * stride + hi]! >>> 31);
      const gk = g[oi + k]!;
      if (wantLam) gLam[li + k] += gk * T[j]!;
      if (wantT) dT[j] += gk * x;
    }
  }
}

/** dλ += g_c·b (λ = ±0: both biases, as clamp's gradient at the boundary) and dTB += g_c·λ. */
function constantGradient(lam: Data, words: Int32Array, stride: number, TB: Float64Array, tb: number, tr: number, g: Data, gLam: Data, dTB: Float64Array, B: number, B0: number, R: number, n: number): void {
  const hi = stride - 1;
  const wantLam = gLam.length > 0, wantT = dTB.length > 0;
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const li = ((B0 === 1 ? 0 : b) * R + r) * n;
    const gc = g[b * R + r]!;
    const c0 = 2 * at(tb, tr, b, r) * n;
    for (let k = 0; k < n; k++) {
      const x = lam[li + k]!;
      const j = c0 + 2 * k + (words[(li + k) * stride + hi]! >>> 31);
      if (wantLam) gLam[li + k] += x === 0 ? gc * (TB[c0 + 2 * k]! + TB[c0 + 2 * k + 1]!) : gc * TB[j]!;
      if (wantT) dTB[j] += gc * x;
    }
  }
}

/** {@link rowsGradient} and {@link constantGradient} in one sweep (both outputs' gradients reached the step: the usual case). */
function bothGradient(lam: Data, words: Int32Array, stride: number, T: Float64Array, tb: number, tr: number, TB: Float64Array, cb: number, cr: number, g: Data, gC: Data, gLam: Data, dT: Float64Array, dTB: Float64Array, B: number, B0: number, R: number, n: number): void {
  const hi = stride - 1;
  const wantLam = gLam.length > 0, wantT = dT.length > 0, wantTB = dTB.length > 0;
  for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) {
    const li = ((B0 === 1 ? 0 : b) * R + r) * n;
    const oi = (b * R + r) * n;
    const t0 = 2 * at(tb, tr, b, r) * n, c0 = 2 * at(cb, cr, b, r) * n;
    const gc = gC[b * R + r]!;
    for (let k = 0; k < n; k++) {
      const x = lam[li + k]!;
      const side = words[(li + k) * stride + hi]! >>> 31;
      const j = t0 + 2 * k + (x === 0 ? 0 : side), jb = c0 + 2 * k + side;
      const gk = g[oi + k]!;
      if (wantLam) gLam[li + k] += gk * T[j]! + (x === 0 ? gc * (TB[c0 + 2 * k]! + TB[c0 + 2 * k + 1]!) : gc * TB[jb]!);
      if (wantT) dT[j] += gk * x;
      if (wantTB) dTB[jb] += gc * x;
    }
  }
}

/** The interleaved gradient table back to each line's own layout (summed over broadcast axes); null where not wanted. */
function split(pair: Pair | null, d: Float64Array | null, n: number): (TypedArray | null)[] {
  if (!pair) return [null, null];
  return pair.parts.map((t, side) => {
    if (!t || !t.requiresGrad || !d) return null;
    const [tb, tr] = [t.shape[0]!, t.size / (t.shape[0]! * n)];
    const out = allocate(t, t.size);
    for (let b = 0; b < pair.batch; b++) for (let r = 0; r < pair.rows; r++) {
      const dst = at(tb, tr, b, r) * n, src = (b * pair.rows + r) * n;
      for (let k = 0; k < n; k++) out[dst + k] += d[2 * (src + k) + side]!;
    }
    return out;
  });
}
