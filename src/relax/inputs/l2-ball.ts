/**
 * The l2 ball {x' : ‖x' − x‖_2 ≤ ε} (the original's `L2Ball`; the l2 norm is its own dual):
 * bounds `A x ± ε‖A_m‖_2`, objective term `−ν̂_1ᵀx − ε‖ν̂_1‖_2`. With a per-dimension ε it is
 * the ellipsoid {x + diag(ε) δ : ‖δ‖_2 ≤ 1}.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from './epsilon.js';
import { NormBall } from './norm-ball.js';

/** The l2 ball of radius ε around each example of X `[B, ...S_0]`. */
export class L2Ball extends NormBall {
  /** @param X - `[B, ...S_0]`; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`. */
  constructor(X: Tensor, epsilon: EpsilonInput) {
    super(X, epsilon, 'l2');
  }
}
