/**
 * MaxPool2d as a bound operator: y_o = max_{i ∈ W(o)} z_i over each window W(o).
 *
 * Interval: [max_W l, max_W u], exact. Linear relaxation (the one of auto_LiRPA's BoundMaxPool,
 * as sound and as tight): with i* the window's entry of largest lower bound,
 *   lower line  y_o ≥ z_{i*}                      (always true: y_o is the max);
 *   upper line  y_o ≤ z_{i*}  when l_{i*} ≥ max_{i≠i*} u_i (the max is then z_{i*} itself),
 *               y_o ≤ max_W u  otherwise (a constant).
 * The window choice and the linear/constant flag are constants; max_W u carries the gradient.
 * Padding never wins (as PyTorch pads with −∞).
 * @module
 */
import { add, clamp, maxPool2d, mul, reshape, scatterAdd, sub, sum, expand } from '../../autograd/index.js';
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
    backward: (lambda, l, u) => {
      const B = l.shape[0]!;
      const R = lambda.shape[1]!;
      const P = g.out[0] * g.out[1];
      const { star, linear } = choose(l, u, window, g, B * C, H * W);
      const full = lambda.shape[0] === B ? lambda : expand(lambda, [B, ...lambda.shape.slice(1)]);
      const lam = reshape(full, [B, R, C, P]);
      const negative = clamp(lam, -Infinity, 0);
      const lin = reshape(Tensor.from(linear, [B, 1, C, P], l.dtype), [B, 1, C, P]);
      const coef = add(clamp(lam, 0), mul(negative, lin));
      const maxUpper = reshape(maxPool2d(u, pool), [B, 1, C, P]);
      const constant = sum(reshape(mul(mul(negative, sub(1, lin)), maxUpper), [B, R, C * P]), 2);
      const index = new Int32Array(B * R * C * P);
      for (let b = 0; b < B; b++) for (let r = 0; r < R; r++) index.set(star.subarray(b * C * P, (b + 1) * C * P), (b * R + r) * C * P);
      const rows = scatterAdd(reshape(coef, [B * R * C, P]), 1, { data: index, shape: [B * R * C, P] }, [B * R * C, H * W]);
      return { rows: reshape(rows, [B, R, C, H, W]), constant };
    },
  };
}

/**
 * Per (example·channel, output position): i* (flat position in H·W of the largest lower bound,
 * first on ties) and whether l_{i*} ≥ max_{i≠i*} u_i.
 */
function choose(l: Tensor, u: Tensor, window: Int32Array, g: Pool2dGeometry, planes: number, area: number): { star: Int32Array; linear: Float64Array } {
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
        if (i < area && (best < 0 || l.data[base + i]! > bestLower)) { best = i; bestLower = l.data[base + i]!; }
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
