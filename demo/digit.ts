/**
 * The demo's digit certificate, shared by the page's worker and tests/browser: the certified l∞
 * radius of every class margin of a 28×28 digit under a loaded MNIST model.
 * @module
 */
import { Tensor, noGrad, robustLogits, type Sequential } from '../src/index.js';
import type { DigitResult } from './protocol.js';

/**
 * Certified radius per class margin: for each class j ≠ prediction p, the largest ε (bisection,
 * `iterations` halvings of [0, hi]) at which the dual bound proves f_p(x') − f_j(x') > 0 on the l∞ ball;
 * row j of one batch carries its own ε (a per-example radius), so each step is one dual pass. It runs
 * in float64 (the model is converted) and needs the bound below −1e-9, far beyond its rounding error
 * there, so rounding never turns an uncertified margin into a certified one; NaN never certifies.
 */
export function certifyDigit(net: Sequential, pixels: Float32Array, hi = 0.5, iterations = 12): DigitResult {
  net.to('float64');
  const x = new Tensor(Float64Array.from(pixels), [1, 1, 28, 28]);
  const logits = [...noGrad(() => net.forward(x)).data];
  const p = logits.indexOf(Math.max(...logits));
  const K = logits.length;
  const lo = new Float64Array(K);
  const up = new Float64Array(K).fill(hi);
  const X = new Tensor(new Float64Array(K * 784).map((_, i) => pixels[i % 784]!), [K, 1, 28, 28]);
  const labels = new Int32Array(K).fill(p);
  for (let it = 0; it < iterations; it++) {
    const eps = Float64Array.from(lo, (l, j) => (l + up[j]!) / 2);
    const bound = noGrad(() => robustLogits(net, new Tensor(eps, [K]), X, labels)).data;
    for (let j = 0; j < K; j++) if (bound[j * K + j]! < -1e-9) lo[j] = eps[j]!; else up[j] = eps[j]!;
  }
  const radius = [...lo].map((r, j) => (j === p ? Number.NaN : r));
  return { prediction: p, logits, radius };
}
