/**
 * The lower bound of linear rows over a box, as ONE differentiable op: IBP's last step once the
 * specification c is merged into the last layer (A = cᵀW, Gowal et al. 2018 §3; eq. 6 over the
 * box m ± r of that layer's input):
 *
 *   y[b, k] = Σ_f A[b, k, f]·m[b, f] − Σ_f |A[b, k, f]|·r[b, f]
 *
 * for A `[B, K, F]`, m and r `[B, F]`, with the backward, from g = ∂L/∂y:
 *
 *   g_A[b, k, f] = g[b, k]·m[b, f] − sign(A[b, k, f])·g[b, k]·r[b, f],
 *   g_m[b, f] = Σ_k g[b, k]·A[b, k, f],   g_r[b, f] = −Σ_k g[b, k]·|A[b, k, f]|.
 *
 * It replaces two batched products, an abs and a subtraction (and ~8 kernels of their backward):
 * B·K·F is small (mnist_model: 50·10·100), so the calls and their short-lived arrays cost more
 * than the arithmetic. The backend's `intervalRows` kernels run it where present (native: vector
 * lanes, sums in the dtype in a fixed order), else loops with float64 sums rounded once; either is
 * deterministic (no threads), and 0·∞ is NaN as in a product, so a non-finite box still gives a
 * non-finite bound.
 * @module
 */
import type { IntervalRowsSpec } from '../../tensor/backend.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import { getBackend } from '../../tensor/registry.js';
import { shapeText } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';

/**
 * y `[B, K]` = A·m − |A|·r row by row (module doc), differentiable in A, m and r.
 * @throws Error naming the shapes unless A is `[B, K, F]` and m, r are `[B, F]` of A's dtype.
 */
export function intervalRows(A: Tensor, m: Tensor, r: Tensor): Tensor {
  const [B, K, F] = A.shape as [number, number, number];
  const fits = (t: Tensor): boolean => t.rank === 2 && t.shape[0] === B && t.shape[1] === F && t.dtype === A.dtype;
  if (A.rank !== 3 || !fits(m) || !fits(r)) {
    throw new Error(`intervalRows: A ${shapeText(A.shape)} must be [B, K, F] and m ${shapeText(m.shape)}, r ${shapeText(r.shape)} [B, F] of its dtype`);
  }
  const spec: IntervalRowsSpec = { batch: B, rows: K, length: F };
  const kernel = getBackend().intervalRows;
  const y = kernel ? kernel(A.data, m.data, r.data, spec) : rowsLoop(A, m, r, spec);
  return record(new Tensor(y, [B, K]), 'intervalRows', [A, m, r], (g) => {
    const grad = getBackend().intervalRowsGrad;
    const [gA, gm, gr] = grad && g.dtype === A.dtype ? grad(A.data, m.data, r.data, g.data, spec) : rowsBackward(A, m, r, g);
    return [new Tensor(gA, A.shape), new Tensor(gm, m.shape), new Tensor(gr, r.shape)];
  });
}

/** The forward as a loop (backends without the kernel), sums in float64 rounded once. */
function rowsLoop(A: Tensor, m: Tensor, r: Tensor, { batch: B, rows: K, length: F }: IntervalRowsSpec): TypedArray {
  const a = A.data, mid = m.data, rad = r.data, out = allocate(A.dtype, B * K);
  for (let b = 0; b < B; b++) {
    for (let k = 0, row = b * K * F; k < K; k++, row += F) {
      let centre = 0, spread = 0;
      for (let f = 0, o = b * F; f < F; f++, o++) {
        const v = a[row + f]!;
        centre += v * mid[o]!;
        spread += Math.abs(v) * rad[o]!;
      }
      out[b * K + k] = centre - spread;
    }
  }
  return out;
}

/** [g_A, g_m, g_r] of the module doc as a loop (backends without the kernel). */
function rowsBackward(A: Tensor, m: Tensor, r: Tensor, grad: Tensor): [TypedArray, TypedArray, TypedArray] {
  const [B, K, F] = A.shape as [number, number, number];
  const a = A.data, mid = m.data, rad = r.data, g = grad.data;
  const gA = allocate(A.dtype, B * K * F), gm = new Float64Array(B * F), gr = new Float64Array(B * F);
  for (let b = 0; b < B; b++) {
    for (let k = 0, row = b * K * F; k < K; k++, row += F) {
      const gk = g[b * K + k]!;
      for (let f = 0, o = b * F; f < F; f++, o++) {
        const v = a[row + f]!;
        gA[row + f] = gk * mid[o]! - Math.sign(v) * (gk * rad[o]!);
        gm[o] += gk * v;
        gr[o] -= gk * Math.abs(v);
      }
    }
  }
  const cast = (x: Float64Array): TypedArray => (A.dtype === 'float64' ? x : Float32Array.from(x));
  return [gA, cast(gm), cast(gr)];
}
