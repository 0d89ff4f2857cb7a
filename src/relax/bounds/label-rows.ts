/**
 * The specification of labels y, c_j = e_y − e_j, has one identically zero row per example
 * (j = y), whose bound is exactly 0 for every method (λ = 0 at every layer: no constant, and
 * min over the set of 0·x' is 0). The bound passes skip it: K − 1 rows instead of K (10 % of
 * the work of a CROWN pass for K = 10), and 0 is put back in its place.
 * @module
 */
import { indexAdd, indexSelect, reshape } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';

/** c `[B, K, ...S]` without row y_b of each example, `[B, K − 1, ...S]`, and the map of bounds `[B, K − 1]` back to `[B, K]` (0 at y). Null when K < 2. */
export function withoutLabelRows(c: Tensor, labels: ArrayLike<number>): { rows: Tensor; expand(lower: Tensor): Tensor } | null {
  const [B, K] = c.shape as [number, number];
  if (K < 2 || labels.length !== B) return null;
  const keep = new Int32Array(B * (K - 1));
  let k = 0;
  for (let b = 0; b < B; b++) for (let j = 0; j < K; j++) if (j !== labels[b]) keep[k++] = b * K + j;
  if (k !== keep.length) return null; // a label outside [0, K): the caller's checks report it
  const rows = reshape(indexSelect(reshape(c, [B * K, -1]), 0, keep), [B, K - 1, ...c.shape.slice(2)]);
  return { rows, expand: (lower) => reshape(indexAdd(reshape(lower, [B * (K - 1)]), 0, keep, [B * K]), [B, K]) };
}
