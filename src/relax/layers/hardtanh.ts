/**
 * Same-slope relaxation of HardTanh σ(x) = min(max(x, lo), hi) for the Wong–Kolter dual
 * (docs/extending.md §3): on [ℓ, u] the slope d is 0 on a flat piece, 1 on the identity piece,
 * and the chord's (σ(u) − σ(ℓ))/(u − ℓ) where a kink lies inside; σ(x) − d·x is piecewise linear,
 * so its range over [ℓ, u] is spanned by its values at ℓ, u and the kinks inside:
 * t ∈ [t⁻, t⁺] = [min, max] of σ(x) − d·x over {ℓ, lo, hi, u} ∩ [ℓ, u]. The dual is
 * {@link DualParallelLines}. Masks are constants; d and t are differentiable in ℓ and u.
 * @module
 */
import { clamp, compare, div, maximum, minimum, mul, sub, where } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { failClosedSlopes } from '../finite.js';
import type { ParallelLines } from './parallel-lines.js';

/** d, t⁻, t⁺ and the units with a term (a kink inside, or a flat piece's constant), from bounds `[B, ...S]`. */
export function relaxHardTanhSameSlope(lower: Tensor, upper: Tensor, lo: number, hi: number): ParallelLines {
  const inside = (k: number): Tensor => mul(compare('lt', lower, k), compare('gt', upper, k));
  const crossing = maximum(inside(lo), inside(hi));
  const [sl, su] = [clamp(lower, lo, hi), clamp(upper, lo, hi)];
  const chord = div(sub(su, sl), where(crossing, sub(upper, lower), 1));
  const piece = mul(compare('ge', lower, lo), compare('le', upper, hi)); // identity piece: slope 1, flat: 0
  const d = failClosedSlopes(lower, upper, where(crossing, chord, piece));
  const offset = (x: Tensor | number, y: number | Tensor): Tensor => sub(y, mul(d, x)); // σ(x) − d·x
  const atEnds = offset(lower, sl); // equals offset(upper, su) on the chord
  const candidates = [atEnds, where(inside(lo), offset(lo, lo), atEnds), where(inside(hi), offset(hi, hi), atEnds)];
  const low = where(crossing, minimum(minimum(candidates[0]!, candidates[1]!), candidates[2]!), atEnds);
  const high = where(crossing, maximum(maximum(candidates[0]!, candidates[1]!), candidates[2]!), atEnds);
  // Every unit with an offset has a term: a kink inside, or a flat piece (t = lo or hi, d = 0).
  const crossingIndex: number[] = [];
  crossing.data.forEach((v, i) => { if (v !== 0 || low.data[i] !== 0 || high.data[i] !== 0) crossingIndex.push(i); });
  return { d, offsetLow: low, offsetHigh: high, crossingIndex: Int32Array.from(crossingIndex) };
}
