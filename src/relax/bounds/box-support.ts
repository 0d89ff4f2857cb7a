/**
 * The last step of back-substitution: the support function from below of the rows λ_0 at the
 * input over the set (CROWN, Zhang et al. 2018, Thm 3.2; the dual's ‖ν̂_1‖₁ term, Wong & Kolter
 * 2018 eq. 9). On an l∞ ball or box m ± r with per-example rows `[B, R, n]` it is
 *
 *   bound[b, r] = Σ_k λ_0[b, r, k]·m[b, k] − |λ_0[b, r, k]|·r[b, k]      `[B, R]`,
 *
 * the fused op IBP's specification layer uses (`intervalRows`): one pass each way, instead of two
 * per-example products `[B, R, n]·[B, n, 1]` (batched matrix-vector products, slow on every
 * backend), `abs` and the temporaries of their backward passes. Elsewhere (l2, rows shared by the
 * batch) `concretize`'s composition.
 * @module
 */
import { add, clamp, intervalRows, mul, reshape, sub } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import { concretize, inputBox, type Perturbation } from '../perturbation.js';

/** min over the set of λ_0·x' for rows `[B', R, ...S_0]` (B' = 1 or B): `[B, R]`. */
export function supportFromBelow(p: Perturbation, X: Tensor, rows: Tensor): Tensor {
  const B = X.shape[0]!;
  if (p.norm !== 'linf' || rows.shape[0] !== B) return concretize(p, X, rows);
  const [lower, upper] = inputBox(p, X);
  const centre = mul(add(lower, upper), 0.5);
  const radius = clamp(mul(sub(upper, lower), 0.5), 0);
  if (centre.size !== X.size || radius.size !== X.size) return concretize(p, X, rows);
  return intervalRows(reshape(rows, [B, rows.shape[1]!, -1]), reshape(centre, [B, -1]), reshape(radius, [B, -1]));
}
