/**
 * The magnitude pass (magnitude.ts) through the clamp-like activations (HardTanh, HardSigmoid) and
 * MaxPool2d, for bounds *computed* in the run (tier 2 of the sound check: the whole bound
 * recomputed in float64). Each analysis over-estimates on purpose: in float64 the resulting error
 * bound is about 1e-12 of a margin, so generous constants cost no certificate.
 *
 * Clamp-like σ (monotone, Lipschitz ≤ 1, every line slope in [0, 1]; HardSigmoid is
 * (HardTanh(−3, 3) + 3)/6, so its slopes are in [0, 1/6]): a line valid on the computed range
 * [ℓ', u'] stays valid on [ℓ' − δ, u' + δ] up to δ (beyond u' the upper line loses at most
 * (1 − s)δ, the lower one gains at most sδ over σ; below ℓ' symmetrically), and the true range lies
 * within t̂ = r̂ + γ_D n̂ of the computed one. Its slope and intercept (chords, tangents, the kinks
 * lo and hi, ℓ and u) are rounded: at most 16u·(3n̂ + |lo| + |hi|) on the line's value. Every term
 * of a later bound through the unit is a slope times an earlier term or an intercept of magnitude
 * ≤ |lo| + |hi| + |ℓ| + |u| ≤ |lo| + |hi| + 2n̂ (doubled, as the ReLU's, for the backward form), so
 *   n = n̂ + 2.02·(2n̂ + |lo| + |hi|),   r = 2r̂ + (γ_D + 16u)·(3n̂ + |lo| + |hi|) + floor.
 *
 * MaxPool2d (y = max over a window W): the lower line y ≥ Σ_k w_k z_k (a convex combination, or one
 * entry) holds whatever the bounds, up to the rounding of Σw (8u·max_W n̂). The upper line y ≤ z_i*
 * was chosen because ℓ'_i* ≥ max_{i≠i*} u'_i; on the true bounds y − z_i* ≤ max_i u_i − ℓ_i* ≤
 * 2·max_W t̂. The constant upper line max_W u' is off by at most max_W t̂. Terms through the window
 * are its entries' terms or that constant (|u'| ≤ n̂), so
 *   n = 3.02·max_W n̂,   r = 3·max_W r̂ + (2γ_D + 8u)·max_W n̂ + floor
 * (max_W of each part separately: the max of a sum is at most the sum of the maxima).
 *
 * With the bounds *given* (tier 1) these layers are not analysed: the caller gets an error and the
 * certificate goes to tier 2.
 * @module
 */
import { add, maxPool2d, mul } from '../../autograd/index.js';
import type { Pool2dOptions } from '../../autograd/ops/pool.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { RoundingModel } from './magnitude.js';

/** n and r at one activation (float64, non-negative). */
export interface CarriedMagnitude {
  readonly n: Tensor;
  readonly r: Tensor;
}

/** HardTanh(lo, hi), or HardSigmoid as HardTanh(−3, 3) then (y + 3)/6 (`shift` 3 covers the +1/2 and its rounding). */
export function clampLikeMagnitude(at: CarriedMagnitude, lo: number, hi: number, model: RoundingModel, shift = 0): CarriedMagnitude {
  const kinks = Math.abs(lo) + Math.abs(hi);
  const n = add(mul(at.n, 1 + 2.02 * 2), 2.02 * kinks + 1.01 * shift);
  const lineScale = add(mul(at.n, 3), kinks + shift);
  const r = add(add(mul(at.r, 2), mul(lineScale, model.gamma + 16 * model.unit)), model.floor);
  return { n, r };
}

/** MaxPool2d over `pool`'s windows (padding never wins: n and r are non-negative). */
export function maxPoolMagnitude(at: CarriedMagnitude, pool: Pool2dOptions, model: RoundingModel): CarriedMagnitude {
  const nMax = maxPool2d(at.n, pool);
  const rMax = maxPool2d(at.r, pool);
  return { n: mul(nMax, 3.02), r: add(add(mul(rMax, 3), mul(nMax, 2 * model.gamma + 8 * model.unit)), model.floor) };
}
