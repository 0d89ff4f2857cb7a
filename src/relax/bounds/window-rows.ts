/**
 * Two fused, differentiable ops of the window ("patches") form of CROWN's intermediate bounds
 * (conv-window.ts), each replacing a chain of broadcast products whose temporaries had the size
 * of the largest tensor of the pass (`[B, 2m, C₁·k·k]`, tens of millions of entries):
 *
 * - {@link windowRows}: the rows of units (o_k, p_k) at the element-wise layer's input, on the
 *   window of position p_k, `G = [W⁺_o ⊙ a_l + W⁻_o ⊙ a_u ; W⁺_o ⊙ a_u + W⁻_o ⊙ a_l]` (the lower
 *   bound's rows λ⁺a_l + λ⁻a_u for λ = W_o, and minus the upper bound's for λ = −W_o);
 * - {@link absDot}: Σ_e |A_{b,r,e}|·r_{b,p_r,e}, the input radius term of each row (Hölder for l∞).
 * @module
 */
import { record } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';

function allocate(like: Tensor, size: number): Float32Array | Float64Array {
  return like.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/**
 * G `[B, 2m, F]` for lines a_l, a_u `[B, P, F]` on the windows of every position, the kernel's
 * positive and negative parts W⁺, W⁻ `[O, F]`, and the m units' positions `pOf` and channels `oOf`:
 * row k is W⁺_{o_k} ⊙ a_l,{p_k} + W⁻_{o_k} ⊙ a_u,{p_k}, row m + k the same with a_l and a_u swapped.
 */
export function windowRows(aL: Tensor, aU: Tensor, pos: Tensor, neg: Tensor, pOf: Int32Array, oOf: Int32Array): Tensor {
  const [B, P, F] = aL.shape as [number, number, number];
  const m = pOf.length;
  const out = new Tensor(allocate(aL, B * 2 * m * F), [B, 2 * m, F]);
  const [l, u, wp, wn, g] = [aL.data, aU.data, pos.data, neg.data, out.data];
  for (let b = 0; b < B; b++) for (let k = 0; k < m; k++) {
    const a = (b * P + pOf[k]!) * F, w = oOf[k]! * F;
    const low = (b * 2 * m + k) * F, up = low + m * F;
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
    for (let b = 0; b < B; b++) for (let k = 0; k < m; k++) {
      const a = (b * P + pOf[k]!) * F, w = oOf[k]! * F;
      const low = (b * 2 * m + k) * F, up = low + m * F;
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

/** Σ_e |A_{b,r,e}|·r_{b,p_r,e} `[B, R]` for A `[B, R, E]`, r `[B, P, E]` and each row's position `pOf[r mod m]`. */
export function absDot(A: Tensor, radius: Tensor, pOf: Int32Array): Tensor {
  const [B, R, E] = A.shape as [number, number, number];
  const P = radius.shape[1]!;
  const m = pOf.length;
  const out = new Tensor(allocate(A, B * R), [B, R]);
  const [a, r, o] = [A.data, radius.data, out.data];
  for (let b = 0; b < B; b++) for (let k = 0; k < R; k++) {
    const x = (b * R + k) * E, y = (b * P + pOf[k % m]!) * E;
    let s = 0;
    for (let e = 0; e < E; e++) s += Math.abs(a[x + e]!) * r[y + e]!;
    o[b * R + k] = s;
  }
  return record(out, 'absDot', [A, radius], (grad) => {
    const dA = A.requiresGrad ? allocate(A, A.size) : null;
    const dr = radius.requiresGrad ? allocate(radius, radius.size) : null;
    const g = grad.data;
    for (let b = 0; b < B; b++) for (let k = 0; k < R; k++) {
      const x = (b * R + k) * E, y = (b * P + pOf[k % m]!) * E, gk = g[b * R + k]!;
      for (let e = 0; e < E; e++) {
        const v = a[x + e]!;
        if (dA) dA[x + e] = gk * Math.sign(v) * r[y + e]!;
        if (dr) dr[y + e] += gk * Math.abs(v);
      }
    }
    return [dA ? new Tensor(dA, A.shape) : null, dr ? new Tensor(dr, radius.shape) : null];
  });
}
