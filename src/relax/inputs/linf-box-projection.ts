/**
 * The l∞ ball intersected with a box, with Cauchy random projections (the original's
 * `InfBallProjBounded`; Wong, Schmidt, Metzen & Kolter, NeurIPS 2018, §3.2). The set is the box
 * [l, u], l = max(x − ε, lo), u = min(x + ε, hi), which is the l∞ "ball" with centre m = (l + u)/2
 * and per-coordinate radius r = (u − l)/2. So
 *
 * - bounds: `A m ∓ median_k |A diag(r) R|`, the Cauchy estimate of `Σ_i r_i |A_mi|`;
 * - objective: `−ν·m − Σ_i r_i |ν_i|`, which equals `−max_{x∈[l,u]} νᵀx` (exact).
 *
 * Two deliberate differences from the original, which estimates `Σ hi[a]_+ + lo[a]_-` as a
 * difference of two separate medians (of |A diag(hi) R| and |A diag(lo) R|) and uses the plain
 * ball's objective: one median of a non-negative quantity has lower variance and can never give
 * l > u, it stays correct for boxes with negative limits (the original's identity needs lo ≥ 0),
 * and the exact box objective is tighter than the ball's while as valid, so as k grows the
 * projected bounds and J converge to those of the exact {@link LinfBox}. The bounds are
 * estimates, not sound bounds: never certify with this set.
 * @module
 */
import { add, div, sub } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from './epsilon.js';
import { Radius } from './epsilon.js';
import { inputBox, type BoxLimit } from './input-set.js';
import { ProjectedNormBall, type ProjectionOptions } from './projected-ball.js';

/** The box [max(x − ε, lo), min(x + ε, hi)] around each example of X, bounds from k Cauchy projections. */
export class LinfBoxProjection extends ProjectedNormBall {
  /**
   * @param X - `[B, ...S_0]`, inside [lo, hi]; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`.
   * @param options - k projections and the seeded generator.
   * @param lo - lower limit of the box (default 0); @param hi - upper limit (default 1).
   * @throws Error naming `X` when the box around some example is empty.
   */
  constructor(X: Tensor, epsilon: EpsilonInput, options: ProjectionOptions, lo: BoxLimit = 0, hi: BoxLimit = 1) {
    const { centre, halfWidth } = boxOf(X, epsilon, lo, hi);
    super(centre, halfWidth, 'l1', options);
  }
}

/** Centre (l + u)/2 and half-width (u − l)/2 of the box, both `[B, ...S_0]`. */
function boxOf(X: Tensor, epsilon: EpsilonInput, lo: BoxLimit, hi: BoxLimit): { centre: Tensor; halfWidth: Tensor } {
  if (X.rank < 2) throw new Error(`X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
  const { low, high } = inputBox(X, Radius.of(epsilon, X), lo, hi);
  return { centre: div(add(low, high), 2), halfWidth: div(sub(high, low), 2) };
}
