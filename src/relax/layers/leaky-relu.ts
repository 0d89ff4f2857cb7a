/**
 * Dual of the leaky ReLU σ(x) = max(x, 0) + α·min(x, 0) — the worked example of
 * docs/extending.md, built the way Wong & Kolter (2018, §3, eq. 5 and Thm 1) relax the ReLU.
 *
 * Given bounds ℓ ≤ x ≤ u on the input: a unit with ℓ ≥ 0 is the identity (slope 1), one with
 * u ≤ 0 is linear with slope α, and a crossing unit j ∈ I (ℓ < 0 < u) is enclosed between two
 * parallel lines of the chord's slope s = (u − αℓ)/(u − ℓ), one through the kink (0, 0) and the
 * chord itself (through (ℓ, αℓ) and (u, u)):
 *
 *   σ(x) ∈ s·x + t,  t ∈ [t⁻, t⁺] = [min(0, β), max(0, β)],  β = (α − s)·ℓ.
 *
 * (For α ≤ 1, σ is convex and the kink line lies below, β ≥ 0; for α > 1 it is concave and the
 * roles swap.) So the layer is the affine map `x ↦ D x + t` with D = diag(slopes) and a free
 * offset t in a box, and its dual is:
 *
 * - forward and T: `D x`, `D ν` (D is diagonal);
 * - J term: `min_t −ν̂·t = −Σ_{j∈I} ([ν̂_j]_+ t⁺_j + [ν̂_j]_- t⁻_j)` with ν̂ = ν at the layer output;
 * - bound term for a later unit m, with a_jm = ∂z_m/∂t_j carried forward as one row per
 *   crossing unit: `Σ_j (t⁻_j [a_jm]_+ + t⁺_j [a_jm]_-)` below and
 *   `Σ_j (t⁺_j [a_jm]_+ + t⁻_j [a_jm]_-)` above.
 *
 * With α = 0 this is exactly the ReLU dual (s = d = u/(u − ℓ), t⁺ = −dℓ). Slopes and offsets are
 * differentiable in ℓ and u; the crossing mask is a constant. No division by zero: on I,
 * u − ℓ > 0, and elsewhere the denominator is replaced before dividing.
 * @module
 */
import { compare, div, maximum, minimum, mul, sub, where } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { failClosedSlopes } from '../finite.js';
import { DualParallelLines, type ParallelLines } from './parallel-lines.js';

/** The relaxation of one leaky-ReLU layer over a batch: parallel lines (see {@link ParallelLines}). */
export type LeakyReluRelaxation = ParallelLines;

/** Slopes and offset intervals from the bounds ℓ, u `[B, ...S]` for negative slope α. */
export function relaxLeakyRelu(lower: Tensor, upper: Tensor, alpha: number): LeakyReluRelaxation {
  const crossing = mul(compare('gt', upper, 0), compare('lt', lower, 0));
  const outside = where(compare('ge', lower, 0), Tensor.scalar(1, lower.dtype), alpha);
  const chord = div(sub(upper, mul(lower, alpha)), where(crossing, sub(upper, lower), 1));
  // Fail closed (src/relax/finite.ts): a unit with a non-finite bound or width gets slope NaN.
  const d = failClosedSlopes(lower, upper, where(crossing, chord, outside));
  const beta = where(crossing, mul(sub(alpha, d), lower), 0);
  const crossingIndex: number[] = [];
  crossing.data.forEach((v, i) => { if (v !== 0) crossingIndex.push(i); });
  return { d, offsetLow: minimum(beta, 0), offsetHigh: maximum(beta, 0), crossingIndex: Int32Array.from(crossingIndex) };
}


/** The leaky-ReLU dual is the parallel-lines dual of its relaxation. */
export { DualParallelLines as DualLeakyReLU };

/** Builds the leaky-ReLU dual from pre-activation bounds `[B, ...S]` and the negative slope α. */
export function dualLeakyRelu(lower: Tensor, upper: Tensor, alpha: number): DualParallelLines {
  if (lower.rank < 2 || lower.rank !== upper.rank || lower.shape.some((s, i) => s !== upper.shape[i])) {
    throw new Error(`dualLeakyRelu: bounds must share a shape [B, ...S], got [${lower.shape.join(', ')}] and [${upper.shape.join(', ')}]`);
  }
  return new DualParallelLines(relaxLeakyRelu(lower, upper, alpha), 'DualLeakyReLU');
}
