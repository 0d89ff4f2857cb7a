/**
 * The l2 ball with normal random projections (the original's `L2BallProj`, `norm_type =
 * 'l2_normal'`; Wong, Schmidt, Metzen & Kolter, NeurIPS 2018, §3.2): the bound term ε‖A_m‖_2 is
 * estimated as ε·‖A_m G‖_2/√k with G `[1, k, ...S_0]` standard normal, shared by the batch
 * (E‖A_m G‖² = k‖A_m‖²). The objective term −ν̂_1ᵀx − ε‖ν̂_1‖_2 is exact. The bounds are
 * estimates, not sound bounds: never certify with this set.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from './epsilon.js';
import { ProjectedNormBall, type ProjectionOptions } from './projected-ball.js';

/** The l2 ball of radius ε around each example of X `[B, ...S_0]`, bounds from k normal projections. */
export class L2BallProjection extends ProjectedNormBall {
  /**
   * @param X - `[B, ...S_0]`; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`.
   * @param options - k projections and the seeded generator.
   */
  constructor(X: Tensor, epsilon: EpsilonInput, options: ProjectionOptions) {
    super(X, epsilon, 'l2', options);
  }
}
