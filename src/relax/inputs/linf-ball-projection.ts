/**
 * The l∞ ball with Cauchy random projections (the original's `InfBallProj`, `norm_type =
 * 'l1_median'`; Wong, Schmidt, Metzen & Kolter, NeurIPS 2018, §3.2, eq. 13): the bound term
 * ε‖A_m‖_1 is estimated as ε·median_k |A_m R| with R `[1, k, ...S_0]` standard Cauchy, shared by
 * the batch. The objective term −ν̂_1ᵀx − ε‖ν̂_1‖_1 is exact. The bounds are estimates, not
 * sound bounds: never certify with this set.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from './epsilon.js';
import { ProjectedNormBall, type ProjectionOptions } from './projected-ball.js';

/** The l∞ ball of radius ε around each example of X `[B, ...S_0]`, bounds from k Cauchy projections. */
export class LinfBallProjection extends ProjectedNormBall {
  /**
   * @param X - `[B, ...S_0]`; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`.
   * @param options - k projections and the seeded generator.
   */
  constructor(X: Tensor, epsilon: EpsilonInput, options: ProjectionOptions) {
    super(X, epsilon, 'l1', options);
  }
}
