/**
 * HardSigmoid, PyTorch `nn.Hardsigmoid`: y = clamp(x/6 + 1/2, 0, 1) element-wise, i.e. 0 for
 * x ≤ −3, 1 for x ≥ 3 and the line x/6 + 1/2 between. Piecewise linear with two kinks (−3, 3);
 * its relaxation lives in `src/relax`.
 * @module
 */
import { add, clamp, div } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** The kinks of HardSigmoid: it is 0 left of `-HARDSIGMOID_KNEE`, 1 right of `HARDSIGMOID_KNEE`. */
export const HARDSIGMOID_KNEE = 3;

/** Element-wise clamp(x/6 + 1/2, 0, 1); no parameters. */
export class HardSigmoid extends Module {
  readonly kind = 'hardSigmoid' as const;

  /** Same shape as `x`; gradient 1/6 on [−3, 3], 0 outside (clamp's convention at the ends). */
  forward(x: Tensor): Tensor {
    return clamp(add(div(x, 2 * HARDSIGMOID_KNEE), 0.5), 0, 1);
  }
}
