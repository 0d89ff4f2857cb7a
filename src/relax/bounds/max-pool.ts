/**
 * MaxPool2d as a bound operator: y_o = max_{i ∈ W(o)} z_i over each window W(o).
 *
 * Interval: [max_W l, max_W u], exact. Linear relaxation (the one of auto_LiRPA's BoundMaxPool,
 * as sound and as tight): with i* the window's entry of largest lower bound,
 *   lower line  y_o ≥ z_{i*}                      (always true: y_o is the max);
 *   upper line  y_o ≤ z_{i*}  when l_{i*} ≥ max_{i≠i*} u_i (the max is then z_{i*} itself),
 *               y_o ≤ max_W u  otherwise (a constant).
 * The window choice and the linear/constant flag are constants; max_W u carries the gradient.
 * α-CROWN may replace the lower line by any convex combination y ≥ Σ_k w_k z_k of the window
 * (auto_LiRPA's optimised MaxPool), kept on the simplex by projection. It starts from the CROWN
 * line, or (`ties: 'upper'`, α-CROWN's second start) from the entry of largest upper bound among
 * those of largest lower bound: after a ReLU whole windows tie at l = 0, and the first entry may
 * be a dead unit, whose line y ≥ 0 ignores the window's live entries.
 * Padding never wins (as PyTorch pads with −∞).
 * @module
 */
import { add, clamp, expand, maxPool2d, mul, reshape, scatterAdd, slice, sub, sum } from '../../autograd/index.js';
import { poolGeometry, windowIndex, type Pool2dGeometry } from '../../autograd/ops/pool.js';
import type { Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { PoolLayerGeometry } from './linear-ops.js';
import type { PoolOp } from './operators.js';

/** The MaxPool2d operator on per-example inputs `[C, H, W]`. */
export function maxPoolOp(name: string, pool: PoolLayerGeometry, inShape: Shape): PoolOp {
  const g = poolGeometry(name, inShape, pool);
  const [C, H, W] = inShape as [number, number, number];
  const outShape = [C, g.out[0], g.out[1]];
  const window = windowIndex(H, W, g);
  return {
    kind: 'pool', name, inShape: [...inShape], outShape,
    forward: (z) => maxPool2d(z, pool),
    interval: (l, u) => [maxPool2d(l, pool), maxPool2d(u, pool)],
    backward: (lambda, l, u, lower) => {
      const B = l.shape[0]!;
      const R = lambda.shape[1]!;
      const P = g.out[0] * g.out[1];
      const K = g.kernel[0] * g.kernel[1];
      const { star, linear } = choose(l, u, window, g, B * C, H * W);
      const full = lambda.shape[0] === B ? lambda : expand(lambda, [B, ...lambda.shape.slice(1)]);
      const lam = reshape(full, [B, R, C, P]);
      const positive = clamp(lam, 0);
      const negative = clamp(lam, -Infinity, 0);
      const lin = Tensor.from(linear, [B, 1, C, P], l.dtype);
      const maxUpper = reshape(maxPool2d(u, pool), [B, 1, C, P]);
      const constant = sum(reshape(mul(mul(negative, sub(1, lin)), maxUpper), [B, R, C * P]), 2);
      const place = (coef: Tensor, at: Int32Array, perPlane: number): Tensor => {
        const index = new Int32Array(B * R * C * perPlane);
        for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) index.set(at.subarray((b * C + c) * perPlane, (b * C + c + 1) * perPlane), ((b * R + r) * C + c) * perPlane);
        return scatterAdd(reshape(coef, [B * R * C, perPlane]), 1, { data: index, shape: [B * R * C, perPlane] }, [B * R * C, H * W + 1]);
      };
      const upperPart = lower ? mul(negative, lin) : add(positive, mul(negative, lin));
      let rows = place(upperPart, star, P);
      if (lower) {
        const weights = reshape(mul(reshape(positive, [B, R, C, P, 1]), lower), [B, R, C, P * K]);
        rows = add(rows, place(weights, planeWindows(window, B * C), P * K));
      }
      return { rows: reshape(slice(rows, 1, 0, H * W), [B, R, C, H, W]), constant };
    },
    lowerWeights: {
      init: (l, u, ties = 'first') => {
        const { star } = choose(l, u, window, g, l.shape[0]! * C, H * W, ties === 'upper');
        const P = g.out[0] * g.out[1];
        const K = g.kernel[0] * g.kernel[1];
        const w = Tensor.zeros([l.shape[0]!, 1, C, P, K], l.dtype);
        star.forEach((i, q) => { const o = q % P; for (let k = 0; k < K; k++) if (window[o * K + k] === i) { w.data[q * K + k] = 1; break; } });
        return w;
      },
      project: (w) => projectWindows(w.data, window, H * W, g.kernel[0] * g.kernel[1]),
    },
  };
}

/** The window entries of every plane: `[planes · P · K]` flat positions (H·W for padding), repeated per plane. */
function planeWindows(window: Int32Array, planes: number): Int32Array {
  const out = new Int32Array(planes * window.length);
  for (let q = 0; q < planes; q++) out.set(window, q * window.length);
  return out;
}

/** Each K-vector of `w` (one per window) onto the probability simplex of its real entries (padding weights 0). */
function projectWindows(w: Float32Array | Float64Array, window: Int32Array, area: number, K: number): void {
  const P = window.length / K;
  const values: number[] = [];
  for (let start = 0; start < w.length; start += K) {
    const o = (start / K) % P;
    values.length = 0;
    for (let k = 0; k < K; k++) if (window[o * K + k]! < area) values.push(w[start + k]!);
    values.sort((a, b) => b - a);
    let sumTop = 0;
    let theta = 0;
    for (let j = 0; j < values.length; j++) {
      sumTop += values[j]!;
      const t = (sumTop - 1) / (j + 1);
      if (values[j]! - t > 0) theta = t;
    }
    for (let k = 0; k < K; k++) w[start + k] = window[o * K + k]! < area ? Math.max(w[start + k]! - theta, 0) : 0;
  }
}

/**
 * Per (example·channel, output position): i* (flat position in H·W of the largest lower bound,
 * first on ties, or with `upperTies` the largest upper bound among the ties) and whether
 * l_{i*} ≥ max_{i≠i*} u_i.
 */
function choose(l: Tensor, u: Tensor, window: Int32Array, g: Pool2dGeometry, planes: number, area: number, upperTies = false): { star: Int32Array; linear: Float64Array } {
  const K = g.kernel[0] * g.kernel[1];
  const P = window.length / K;
  const star = new Int32Array(planes * P);
  const linear = new Float64Array(planes * P);
  for (let q = 0; q < planes; q++) {
    const base = q * area;
    for (let o = 0; o < P; o++) {
      let best = -1;
      let bestLower = -Infinity;
      for (let k = 0; k < K; k++) {
        const i = window[o * K + k]!;
        if (i >= area) continue;
        const li = l.data[base + i]!;
        if (best < 0 || li > bestLower || (upperTies && li === bestLower && u.data[base + i]! > u.data[base + best]!)) { best = i; bestLower = li; }
      }
      let otherUpper = -Infinity;
      for (let k = 0; k < K; k++) {
        const i = window[o * K + k]!;
        if (i < area && i !== best) otherUpper = Math.max(otherUpper, u.data[base + i]!);
      }
      star[q * P + o] = best;
      linear[q * P + o] = bestLower >= otherUpper ? 1 : 0;
    }
  }
  return { star, linear };
}
