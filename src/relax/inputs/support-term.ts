/**
 * The input set's term of J alone: its support function `−max_{x'∈set} νᵀx'` (Wong & Kolter 2018,
 * eq. 9's −ν̂_1ᵀx − ε‖ν̂_1‖_q), without the n = |S_0| forward columns that {@link NormBall} and
 * {@link LinfBox} carry to compute bounds. For evaluations that obtain every bound from J itself
 * (`chunked.ts`), where those columns are exactly the memory to avoid.
 *
 * - norm ball: `−ν·x − ε‖ν‖_q` (q = 1 for l∞, 2 for l2; ε in any of its three forms);
 * - l∞ ball ∩ box [lo, hi]: with l = max(x − ε, lo), u = min(x + ε, hi): `−([ν]_-·l + [ν]_+·u)`.
 * @module
 */
import { add, clamp, matmul, maximum, minimum, neg, reshape, sub } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualObject } from '../dual.js';
import { dualNorm, type DualNorm } from '../norms.js';
import { Radius, type EpsilonInput } from './epsilon.js';
import type { BoxLimit } from './linf-box.js';

/** Which set: a norm ball, or the l∞ ball intersected with the box [lower, upper]. */
export type SupportSet = { kind: 'ball'; norm: DualNorm } | { kind: 'box'; lower: BoxLimit; upper: BoxLimit };

/** The objective term of an input set, with no bound columns (apply/bounds are not available). */
export class InputSupportTerm implements DualObject {
  readonly inert = false;
  private readonly radius: Radius;
  /** Box limits l, u as `[B, n, 1]` (box only). */
  private readonly box: { low: Tensor; high: Tensor } | null = null;

  /** @param X - `[B, ...S_0]`; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`; @param set - which set. */
  constructor(private readonly X: Tensor, epsilon: EpsilonInput, private readonly set: SupportSet) {
    if (X.rank < 2) throw new Error(`X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
    this.radius = Radius.of(epsilon, X);
    if (set.kind === 'box') {
      const eps = this.radius.broadcastTo(X);
      const [B, n] = [X.shape[0]!, X.size / X.shape[0]!];
      const low = maximum(sub(X, eps), limit(set.lower, X));
      const high = minimum(add(X, eps), limit(set.upper, X));
      if (low.data.some((v, i) => v > high.data[i]!)) throw new Error('X: some example lies outside the input box [inputLower, inputUpper] by more than epsilon');
      this.box = { low: reshape(low, [B, n, 1]), high: reshape(high, [B, n, 1]) };
    }
  }

  /** Not available: this term carries no columns. */
  apply(): void {
    throw new Error('InputSupportTerm carries no bound columns: apply() is not available');
  }

  /** Not available: this term carries no columns. */
  bounds(): Bounds {
    throw new Error('InputSupportTerm carries no bound columns: bounds() is not available (obtain bounds from J)');
  }

  /** `−max_{x'∈set} νᵀx'` for ν = ν_0 `[B, K, ...S_0]` → `[B, K]`. */
  objective(nus: readonly Tensor[]): Tensor {
    const nu = nus[nus.length - 1]!;
    const [B, K] = nu.shape as [number, number];
    const n = this.X.size / B;
    const flat = reshape(nu, [B, K, n]);
    if (this.box) {
      const atLow = matmul(clamp(flat, -Infinity, 0), this.box.low);
      const atHigh = matmul(clamp(flat, 0), this.box.high);
      return reshape(sub(neg(atLow), atHigh), [B, K]);
    }
    const norm = (this.set as { norm: DualNorm }).norm;
    const atCentre = reshape(matmul(flat, reshape(this.X, [B, n, 1])), [B, K]);
    return sub(neg(atCentre), this.radius.scaleObjective(dualNorm(norm, this.radius.weightNu(flat), 2)));
  }
}

/** A box limit, broadcastable against X (a number or a tensor `[...S_0]` / `[B, ...S_0]`). */
function limit(value: BoxLimit, X: Tensor): Tensor | number {
  if (typeof value === 'number') return value;
  return value.dtype === X.dtype ? value : value.to(X.dtype);
}
