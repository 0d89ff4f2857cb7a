/**
 * The identity map. The original writes it as an empty `nn.Sequential()`, used as the skip
 * branch of `Dense` (e.g. `Dense(nn.Sequential(), None, nn.Linear(561, 561))`); like that, it has
 * no parameters and adds nothing to the state dict.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** `y = x`; no parameters. */
export class Identity extends Module {
  readonly kind = 'identity' as const;

  /** Returns `x` itself. */
  forward(x: Tensor): Tensor {
    return x;
  }
}
