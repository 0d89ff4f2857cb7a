/**
 * What every input set of the dual shares, written once: the options check (norm, box), the box
 * around each example, and the set's term of J — its support function `−max_{x'∈set} νᵀx'`
 * (Wong & Kolter 2018, eq. 9's `−ν̂_1ᵀx − ε‖ν̂_1‖_q`; for the box, Wong et al. 2018 §3.1):
 *
 * - norm ball: `−ν·x − ε‖ν‖_q`, q = 1 for l∞ (and a box seen as a ball around its centre), 2 for l2;
 * - l∞ ball ∩ box [lo, hi]: with l = max(x − ε, lo), u = min(x + ε, hi): `−([ν]_-·l + [ν]_+·u)`.
 *
 * Used by the exact sets (NormBall, LinfBox), the projected ones and the chunked path's
 * InputSupportTerm, so a box limit is checked and broadcast the same way everywhere.
 * @module
 */
import { add, clamp, matmul, maximum, minimum, neg, reshape, sub } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { dualNorm, type DualNorm } from '../norms.js';
import type { Radius } from './epsilon.js';

/** A box limit: a number, or a tensor broadcastable to X `[B, ...S_0]` (e.g. `[...S_0]`, `[1]`, `[B, ...S_0]`). */
export type BoxLimit = number | Tensor;

/** The set options both dual paths read. */
export interface InputSetOptions {
  readonly norm?: 'linf' | 'l2';
  readonly bounded?: boolean;
}

/**
 * The norm of the set, after checking the options.
 * @throws Error naming `options.norm` unless 'linf' or 'l2', and `options.bounded` with l2.
 */
export function checkInputSetOptions(options: InputSetOptions): 'linf' | 'l2' {
  const norm = options.norm ?? 'linf';
  if (norm !== 'linf' && norm !== 'l2') throw new Error(`options.norm must be 'linf' or 'l2', got '${String(norm)}'`);
  if (norm === 'l2' && options.bounded) throw new Error("options.bounded is only supported with norm 'linf'");
  return norm;
}

/**
 * The box [max(x − ε, lo), min(x + ε, hi)] of every example, each `[B, ...S_0]`.
 * @throws Error naming `inputLower` / `inputUpper` for a NaN or a shape that does not broadcast to
 *   X, and naming `X` when the box around some example is empty (X outside [lo, hi] by more than ε).
 */
export function inputBox(X: Tensor, radius: Radius, lo: BoxLimit, hi: BoxLimit): { low: Tensor; high: Tensor } {
  const eps = radius.broadcastTo(X);
  const low = maximum(sub(X, eps), boxLimit(lo, X, 'inputLower'));
  const high = minimum(add(X, eps), boxLimit(hi, X, 'inputUpper'));
  const n = X.size / X.shape[0]!;
  const empty = low.data.findIndex((v, i) => v > high.data[i]!);
  if (empty >= 0) {
    throw new Error(`X: example ${Math.floor(empty / n)} lies outside the input box [inputLower, inputUpper] by more than epsilon (coordinate ${empty % n})`);
  }
  return { low, high };
}

/** A box limit checked against X: a number (not NaN) or a tensor that broadcasts to X, in X's dtype. */
function boxLimit(value: BoxLimit, X: Tensor, name: string): Tensor | number {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new Error(`${name} must be a number, got NaN`);
    return value;
  }
  const t = value.dtype === X.dtype ? value : value.to(X.dtype);
  const offset = X.rank - t.rank;
  if (offset < 0 || t.shape.some((d, i) => d !== 1 && d !== X.shape[offset + i])) {
    const S = X.shape.slice(1);
    throw new Error(`${name} must be a number or a tensor broadcastable to X (e.g. [${S.join(', ')}] or [${X.shape.join(', ')}]), got [${t.shape.join(', ')}]`);
  }
  return t;
}

/** ν `[B, K, ...S_0]` viewed as `[B, K, n]`. */
function flatNu(nu: Tensor): Tensor {
  return reshape(nu, [nu.shape[0]!, nu.shape[1]!, -1]);
}

/** The ball's term `−ν·x − ε‖ν‖_q` for ν = ν_0 `[B, K, ...S_0]` around X `[B, ...S_0]` → `[B, K]`. */
export function ballTerm(nu: Tensor, X: Tensor, radius: Radius, norm: DualNorm): Tensor {
  const flat = flatNu(nu);
  const [B, K, n] = flat.shape as [number, number, number];
  const atCentre = reshape(matmul(flat, reshape(X, [B, n, 1])), [B, K]);
  return sub(neg(atCentre), radius.scaleObjective(dualNorm(norm, radius.weightNu(flat), 2)));
}

/** The box's term `−([ν]_-·l + [ν]_+·u)` for ν = ν_0 `[B, K, ...S_0]`, l and u `[B, ...S_0]` → `[B, K]`. */
export function boxTerm(nu: Tensor, low: Tensor, high: Tensor): Tensor {
  const flat = flatNu(nu);
  const [B, K, n] = flat.shape as [number, number, number];
  const atLow = matmul(clamp(flat, -Infinity, 0), reshape(low, [B, n, 1]));
  const atHigh = matmul(clamp(flat, 0), reshape(high, [B, n, 1]));
  return reshape(sub(neg(atLow), atHigh), [B, K]);
}
