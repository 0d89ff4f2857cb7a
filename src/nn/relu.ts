/**
 * ReLU, PyTorch `nn.ReLU`: y = max(x, 0) element-wise. Its convex relaxation (the triangle of
 * Wong & Kolter 2018, eq. 5) lives in `src/relax`.
 * @module
 */
import { relu } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Element-wise `max(x, 0)`; no parameters. */
export class ReLU extends Module {
  readonly kind = 'relu' as const;

  /** Same shape as `x`. */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
