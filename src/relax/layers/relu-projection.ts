/**
 * The ReLU dual with random projections for its bound term (the original's `DualReLUProj`;
 * Wong, Schmidt, Metzen & Kolter, NeurIPS 2018, §3.2). Slopes, the crossing set and the J term
 * are the exact ones of {@link ReluDualBase}; only the contribution to later *bounds* is estimated.
 *
 * The exact dual carries one column per crossing unit (R rows over the batch). For a later unit m
 * with w_j = ℓ_j d_j a_jm (a_jm = ∂z_m/∂z_j through the layers in between), its contributions are
 * `Σ_{j∈I} ℓ_j [−d_j a_jm]_+ = (−Σ w_j − Σ |w_j|)/2` and `−Σ ℓ_j [d_j a_jm]_+ = (Σ |w_j| − Σ w_j)/2`
 * (from ℓ[a]_± = (ℓa ∓ |ℓa|)/2 with ℓ < 0). This layer carries, per example,
 *
 * - one exact column `d ⊙ ℓ ⊙ 1_I` `[B, ...S]`, whose image is Σ_j w_j;
 * - k random columns `d ⊙ ℓ ⊙ 1_I ⊙ C_k` `[B, k, ...S]` with C i.i.d. standard Cauchy (drawn per
 *   example), whose images give the estimate `median_k |·| ≈ Σ_j |w_j|`.
 *
 * So the bounds are estimates, not sound bounds: never certify with them.
 * @module
 */
import { div, medianAbs, mul, neg, sub, unsqueeze } from '../../autograd/index.js';
import type { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer } from '../dual.js';
import { checkProjectionCount, toRng, type RandomSource } from '../inputs/projected-ball.js';
import { DualReLU, ReluDualBase, relaxRelu, type ReluRelaxation } from './relu.js';

/** A ReLU dual whose bound term is estimated from k Cauchy projections per example. */
export class DualReLUProjection extends ReluDualBase {
  /** Number of projections k. */
  readonly k: number;
  /** Random columns carried forward, `[B, k, ...S_t]`. */
  private readonly projections: Tensor[] = [];
  /** The exact column d ⊙ ℓ ⊙ 1_I carried forward, `[B, ...S_t]`. */
  private readonly signed: Tensor[] = [];

  /** @param relaxation - slopes and crossing set; @param k - projections; @param rng - their source. */
  constructor(relaxation: ReluRelaxation, k: number, rng: Rng) {
    super(relaxation);
    checkProjectionCount(k);
    this.k = k;
    if (this.inert) return;
    const { d, lower, crossing } = relaxation;
    const weights = mul(d, mul(lower, crossing));
    const cauchy = Tensor.cauchy([this.batch, k, ...this.inShape], rng, d.dtype);
    this.projections.push(mul(unsqueeze(weights, 1), cauchy));
    this.signed.push(weights);
  }

  /** Carries both traces through `layer` (batch-aligned columns, so no row tags). */
  apply(layer: DualLayer): void {
    this.projections.push(layer.forward(this.projections));
    this.signed.push(layer.forward(this.signed));
  }

  /** Estimated `[(−m − s)/2, (m − s)/2]` with m = median_k |projections|, s the exact column: `[B, ...S_t]`. */
  bounds(): Bounds {
    const spread = medianAbs(this.projections[this.projections.length - 1]!, 1);
    const signed = this.signed[this.signed.length - 1]!;
    return [div(sub(neg(spread), signed), 2), div(sub(spread, signed), 2)];
  }
}

/** Options of {@link projectedRelu}. */
export interface ReluProjectionOptions {
  /** Number of projections k. */
  k: number;
  /** Source of the Cauchy samples (default seed 0). */
  rng?: RandomSource;
}

/**
 * The ReLU dual for bounds `[B, ...S]` under projections: {@link DualReLUProjection} when the
 * batch has more than k crossing units in total (the original's rule), else the exact
 * {@link DualReLU} (then the exact one is cheaper).
 */
export function projectedRelu(lower: Tensor, upper: Tensor, options: ReluProjectionOptions): ReluDualBase {
  checkProjectionCount(options.k);
  if (lower.rank < 2 || lower.rank !== upper.rank || lower.shape.some((s, i) => s !== upper.shape[i])) {
    throw new Error(`projectedRelu: bounds must share a shape [B, ...S], got [${lower.shape.join(', ')}] and [${upper.shape.join(', ')}]`);
  }
  const relaxation = relaxRelu(lower, upper);
  if (relaxation.crossingIndex.length <= options.k) return new DualReLU(relaxation);
  return new DualReLUProjection(relaxation, options.k, toRng(options.rng));
}
