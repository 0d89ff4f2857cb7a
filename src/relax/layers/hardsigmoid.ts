/**
 * Same-slope relaxation of HardSigmoid σ(x) = clamp(x/6 + 1/2, 0, 1) for the Wong–Kolter dual
 * (docs/extending.md §3). σ = (h + 3)/6 with h = HardTanh(−3, 3), and an increasing affine map
 * of parallel lines is again parallel lines: from h(x) ∈ d·x + t, t ∈ [t⁻, t⁺]
 * ({@link relaxHardTanhSameSlope}) follows σ(x) ∈ (d/6)·x + (t + 3)/6. The offsets are rarely
 * 0 (σ(0) = 1/2), so every unit off the low flat piece has a term. Masks are constants; d and t
 * are differentiable in ℓ and u; unknown bounds give NaN slopes (fail closed) as for HardTanh.
 * @module
 */
import { add, div } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { relaxHardTanhSameSlope } from './hardtanh.js';
import type { ParallelLines } from './parallel-lines.js';

/** d, t⁻, t⁺ and the units with a term, from bounds `[B, ...S]` on the input of HardSigmoid. */
export function relaxHardSigmoidSameSlope(lower: Tensor, upper: Tensor): ParallelLines {
  const k = 3;
  const h = relaxHardTanhSameSlope(lower, upper, -k, k);
  const shift = (t: Tensor): Tensor => div(add(t, k), 2 * k);
  const [offsetLow, offsetHigh] = [shift(h.offsetLow), shift(h.offsetHigh)];
  const term: number[] = []; // a unit with a kink inside has t⁻ < t⁺, so never both 0; NaN ≠ 0 keeps unknown units
  offsetLow.data.forEach((v, i) => { if (v !== 0 || offsetHigh.data[i] !== 0) term.push(i); });
  const crossingIndex = Int32Array.from(term);
  return { d: div(h.d, 2 * k), offsetLow, offsetHigh, crossingIndex };
}
