/**
 * Leaky ReLU, PyTorch `nn.LeakyReLU(negative_slope)`: y = x for x ≥ 0, y = α·x for x < 0
 * (α = `negativeSlope`, default 0.01), i.e. y = max(x, 0) + α·min(x, 0). Its convex relaxation
 * lives in `src/relax/layers/leaky-relu.ts` (the worked example of docs/extending.md).
 * @module
 */
import { add, mul, neg, relu } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Element-wise `max(x, 0) + α·min(x, 0)`; no parameters. */
export class LeakyReLU extends Module {
  readonly kind = 'leakyRelu' as const;

  /** @param negativeSlope - α, the slope for negative inputs (a finite number; default 0.01). */
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope)) throw new Error(`LeakyReLU: negativeSlope must be a finite number, got ${negativeSlope}`);
  }

  /** Same shape as `x`. */
  forward(x: Tensor): Tensor {
    return add(relu(x), mul(neg(relu(neg(x))), this.negativeSlope));
  }
}
