/**
 * The l∞ ball {x' : ‖x' − x‖_∞ ≤ ε} (Wong & Kolter 2018, eq. 9; the original's `InfBall`,
 * `norm_type='l1'` after the dual norm): bounds `A x ± ε‖A_m‖_1`, objective term
 * `−ν̂_1ᵀx − ε‖ν̂_1‖_1`.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from './epsilon.js';
import { NormBall } from './norm-ball.js';

/** The l∞ ball of radius ε around each example of X `[B, ...S_0]`. */
export class LinfBall extends NormBall {
  /** @param X - `[B, ...S_0]`; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`. */
  constructor(X: Tensor, epsilon: EpsilonInput) {
    super(X, epsilon, 'l1');
  }
}
