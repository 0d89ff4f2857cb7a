/**
 * The dual norms of the input sets, reduced over one axis: l1 (dual of l∞) and l2 (self-dual).
 * The l2 norm's gradient at a zero vector is 0, as in PyTorch (the rows of ν for c = 0, e.g.
 * j = y in the robust loss, are exactly zero; a plain sqrt would give NaN there).
 * @module
 */
import { abs, compare, mul, sqrt, sum, where } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';

/** Which dual norm an input set uses. */
export type DualNorm = 'l1' | 'l2';

/** `Σ |x|` over `axis`. */
export function l1Norm(x: Tensor, axis: number): Tensor {
  return sum(abs(x), axis);
}

/** `sqrt(Σ x²)` over `axis`, with gradient 0 (not NaN) where the norm is 0. */
export function l2Norm(x: Tensor, axis: number): Tensor {
  return safeSqrt(sum(mul(x, x), axis));
}

/** `sqrt(s)` for sums of squares s ≥ 0, with gradient 0 (not NaN) where s = 0. */
export function safeSqrt(squares: Tensor): Tensor {
  const positive = compare('gt', squares, 0);
  return where(positive, sqrt(where(positive, squares, 1)), 0);
}

/** The norm named `norm` over `axis`. */
export function dualNorm(norm: DualNorm, x: Tensor, axis: number): Tensor {
  return norm === 'l1' ? l1Norm(x, axis) : l2Norm(x, axis);
}
