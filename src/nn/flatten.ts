/**
 * The original's `Flatten`: `x.view(x.size(0), -1)`, [B, C, H, W] → [B, C·H·W] (row-major, so
 * the following Linear sees PyTorch's feature order).
 * @module
 */
import { reshape } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Keeps the batch axis and flattens the rest; no parameters. */
export class Flatten extends Module {
  readonly kind = 'flatten' as const;

  /** [B, ...] → [B, prod(...)] (a view: shares the buffer). */
  forward(x: Tensor): Tensor {
    if (x.rank < 1) throw new Error('Flatten: input must have a batch axis, got a scalar');
    return reshape(x, [x.shape[0]!, -1]);
  }
}
