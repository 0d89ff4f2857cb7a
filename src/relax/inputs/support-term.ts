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
import type { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualObject } from '../dual.js';
import type { DualNorm } from '../norms.js';
import { Radius, type EpsilonInput } from './epsilon.js';
import { ballTerm, boxTerm, inputBox, type BoxLimit } from './input-set.js';

/** Which set: a norm ball, or the l∞ ball intersected with the box [lower, upper]. */
export type SupportSet = { kind: 'ball'; norm: DualNorm } | { kind: 'box'; lower: BoxLimit; upper: BoxLimit };

/** The objective term of an input set, with no bound columns (apply/bounds are not available). */
export class InputSupportTerm implements DualObject {
  readonly inert = false;
  private readonly radius: Radius;
  /** Box limits l, u, `[B, ...S_0]` (box only). */
  private readonly box: { low: Tensor; high: Tensor } | null = null;

  /** @param X - `[B, ...S_0]`; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`; @param set - which set. */
  constructor(private readonly X: Tensor, epsilon: EpsilonInput, private readonly set: SupportSet) {
    if (X.rank < 2) throw new Error(`X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
    this.radius = Radius.of(epsilon, X);
    if (set.kind === 'box') this.box = inputBox(X, this.radius, set.lower, set.upper);
  }

  /** Not available: this term carries no columns. */
  apply(): void {
    throw new Error('InputSupportTerm carries no bound columns: apply() is not available');
  }

  /** Not available: this term carries no columns. */
  bounds(): Bounds {
    throw new Error('InputSupportTerm carries no bound columns: bounds() is not available (obtain bounds from J)');
  }

  /** `−max_{x'∈set} νᵀx'` for ν = ν_0 `[B, K, ...S_0]` → `[B, K]` ({@link boxTerm} or {@link ballTerm}). */
  objective(nu: Tensor): Tensor {
    if (this.box) return boxTerm(nu, this.box.low, this.box.high);
    return ballTerm(nu, this.X, this.radius, (this.set as { norm: DualNorm }).norm);
  }
}
