/**
 * Two fused, differentiable ops of the window ("patches") form of CROWN's intermediate bounds
 * (conv-window.ts), each replacing a chain of broadcast products whose temporaries had the size
 * of the largest tensor of the pass (`[Q, 2, C₁·k·k]` for Q pairs, tens of millions of entries):
 *
 * - {@link windowRows}: the rows of (example, unit) pairs (b_q; o_q, p_q) at the element-wise
 *   layer's input, on the window (b_q, p_q), `G = [W⁺_o ⊙ a_l + W⁻_o ⊙ a_u ; W⁺_o ⊙ a_u + W⁻_o ⊙ a_l]` (the lower
 *   bound's rows λ⁺a_l + λ⁻a_u for λ = W_o, and minus the upper bound's for λ = −W_o);
 * - {@link absDot}: Σ_e |A_{q,s,e}|·r_{b_q,p_q,e}, the input radius term of each row (Hölder for l∞).
 * @module
 */
import { record } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';

function allocate(like: Tensor, size: number): Float32Array | Float64Array {
  return like.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/**
 * G `[Q, 2, F]` for lines a_l, a_u `[B, P, F]` on the windows of every position, the kernel's
 * positive and negative parts W⁺, W⁻ `[O, F]`, and Q (example, unit) pairs given by the example
 * `bOf`, position `pOf` and channel `oOf` of each: row (q, 0) is W⁺_{o_q} ⊙ a_l + W⁻_{o_q} ⊙ a_u on
 * the window (b_q, p_q), row (q, 1) the same with a_l and a_u swapped.
 */
export function windowRows(aL: Tensor, aU: Tensor, pos: Tensor, neg: Tensor, bOf: Int32Array, pOf: Int32Array, oOf: Int32Array): Tensor {
  const [, P, F] = aL.shape as [number, number, number];
  const Q = pOf.length;
  const out = new Tensor(allocate(aL, Q * 2 * F), [Q, 2, F]);
  const [l, u, wp, wn, g] = [aL.data, aU.data, pos.data, neg.data, out.data];
  for (let q = 0; q < Q; q++) {
    const a = (bOf[q]! * P + pOf[q]!) * F, w = oOf[q]! * F;
    const low = 2 * q * F, up = low + F;
    for (let f = 0; f < F; f++) {
      const x = l[a + f]!, y = u[a + f]!, p = wp[w + f]!, n = wn[w + f]!;
      g[low + f] = p * x + n * y;
      g[up + f] = p * y + n * x;
    }
  }
  return record(out, 'windowRows', [aL, aU, pos, neg], (grad) => {
    const want = [aL, aU, pos, neg].map((t) => (t.requiresGrad ? allocate(t, t.size) : null));
    const [dl, du, dp, dn] = want;
    const d = grad.data;
    for (let q = 0; q < Q; q++) {
      const a = (bOf[q]! * P + pOf[q]!) * F, w = oOf[q]! * F;
      const low = 2 * q * F, up = low + F;
      for (let f = 0; f < F; f++) {
        const gl = d[low + f]!, gu = d[up + f]!;
        if (dl) dl[a + f] += gl * wp[w + f]! + gu * wn[w + f]!;
        if (du) du[a + f] += gl * wn[w + f]! + gu * wp[w + f]!;
        if (dp) dp[w + f] += gl * l[a + f]! + gu * u[a + f]!;
        if (dn) dn[w + f] += gl * u[a + f]! + gu * l[a + f]!;
      }
    }
    return want.map((x, i) => (x ? new Tensor(x, [aL, aU, pos, neg][i]!.shape) : null));
  });
}

/** Σ_e |A_{q,s,e}|·r_{b_q,p_q,e} `[Q, 2]` for A `[Q, 2, E]` (two rows per pair), r `[B, P, E]` and each pair's example `bOf` and position `pOf`. */
export function absDot(A: Tensor, radius: Tensor, bOf: Int32Array, pOf: Int32Array): Tensor {
  const [Q, S, E] = A.shape as [number, number, number];
  const P = radius.shape[1]!;
  const out = new Tensor(allocate(A, Q * S), [Q, S]);
  const [a, r, o] = [A.data, radius.data, out.data];
  for (let q = 0; q < Q; q++) for (let k = 0; k < S; k++) {
    const x = (q * S + k) * E, y = (bOf[q]! * P + pOf[q]!) * E;
    let s = 0;
    for (let e = 0; e < E; e++) s += Math.abs(a[x + e]!) * r[y + e]!;
    o[q * S + k] = s;
  }
  return record(out, 'absDot', [A, radius], (grad) => {
    const dA = A.requiresGrad ? allocate(A, A.size) : null;
    const dr = radius.requiresGrad ? allocate(radius, radius.size) : null;
    const g = grad.data;
    for (let q = 0; q < Q; q++) for (let k = 0; k < S; k++) {
      const x = (q * S + k) * E, y = (bOf[q]! * P + pOf[q]!) * E, gk = g[q * S + k]!;
      for (let e = 0; e < E; e++) {
        const v = a[x + e]!;
        if (dA) dA[x + e] = gk * Math.sign(v) * r[y + e]!;
        if (dr) dr[y + e] += gk * Math.abs(v);
      }
    }
    return [dA ? new Tensor(dA, A.shape) : null, dr ? new Tensor(dr, radius.shape) : null];
  });
}
