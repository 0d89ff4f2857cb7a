/**
 * The fail-closed rule for relaxations (docs/soundness.md): a unit whose bounds ℓ, u are not both
 * finite, or whose width u − ℓ overflows to ±∞, has no trustworthy relaxation. Such a unit is
 * never "dead", "active" or "crossing": its slope becomes NaN, so every bound and every J(c) that
 * reads it is NaN, and an example with a NaN robust logit is reported as not certified
 * (`uncertified` treats NaN as a failure). Element-wise relaxations of every bound method call
 * {@link failClosedSlopes} on the slopes they computed from ℓ and u.
 *
 * Why this is needed: with ℓ = −3e38, u = 3e38 in float32, u − ℓ = +∞ and the chord slope
 * u/(u − ℓ) rounds to 0, which silently drops the unit; a NaN bound fails both "ℓ ≥ 0" and
 * "ℓ < 0 < u" and used to be treated as dead (slope 0), so the NaN never reached J.
 * @module
 */
import { where } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * 1 where ℓ or u is not finite or u − ℓ overflows, else 0 (`[B, ...S]`, no gradient); null when
 * every unit is fine. For float32 bounds the width is rounded to float32, as the relaxation computes it.
 */
export function unknownUnits(lower: Tensor, upper: Tensor): Tensor | null {
  const l = lower.data;
  const u = upper.data;
  const round = lower.dtype === 'float32' ? Math.fround : (v: number): number => v;
  let mask: Tensor | null = null;
  for (let i = 0; i < l.length; i++) {
    if (Number.isFinite(round(u[i]! - l[i]!)) && Number.isFinite(l[i]!) && Number.isFinite(u[i]!)) continue;
    mask ??= Tensor.zeros(lower.shape, lower.dtype);
    mask.data[i] = 1;
  }
  return mask;
}

/**
 * The slopes d `[B, ...S]` of an element-wise relaxation with NaN on every unknown unit
 * (see the module comment); d itself when all bounds are usable (the common case costs one scan).
 */
export function failClosedSlopes(lower: Tensor, upper: Tensor, d: Tensor): Tensor {
  const unknown = unknownUnits(lower, upper);
  return unknown ? where(unknown, NaN, d) : d;
}
