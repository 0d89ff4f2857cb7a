/**
 * Tiny classifiers built straight from autograd ops (no src/nn needed) for the attack suites.
 */
import { flatten, linear, relu } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Classifier } from '../../src/attack/index.js';

/** `x ↦ W flatten(x) + b` with explicit weights [K, D] and bias [K]. */
export function linearModel(W: Tensor, b: Tensor): Classifier & { W: Tensor; b: Tensor } {
  W.requireGrad();
  b.requireGrad();
  return { W, b, forward: (x) => linear(flatten(x), W, b), parameters: () => [W, b] };
}

/** A random two-layer ReLU network D → H → K with seeded normal weights. */
export function reluNet(D: number, H: number, K: number, seed: number, dtype: DType = 'float32'): Classifier {
  const rng = new Rng(seed);
  const W1 = Tensor.randn([H, D], rng, 0, 1 / Math.sqrt(D), dtype).requireGrad();
  const b1 = Tensor.randn([H], rng, 0, 0.1, dtype).requireGrad();
  const W2 = Tensor.randn([K, H], rng, 0, 1 / Math.sqrt(H), dtype).requireGrad();
  const b2 = Tensor.randn([K], rng, 0, 0.1, dtype).requireGrad();
  return { forward: (x) => linear(relu(linear(flatten(x), W1, b1)), W2, b2), parameters: () => [W1, b1, W2, b2] };
}
