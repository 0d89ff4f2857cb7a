/**
 * Dual of a reshape (the original's `Flatten`): a permutation-free change of view, so its
 * transpose is the inverse view and it adds no term to J (the original's `DualReshape`).
 * @module
 */
import { reshape } from '../../autograd/index.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { leadingAxes } from '../dual.js';
import { ViewLayer } from './layer-base.js';

/** `[..., ...inShape] ↔ [..., ...outShape]` (row-major, same number of elements). */
export class DualReshape extends ViewLayer {

  /** @param inShape - per-example input shape; @param outShape - per-example output shape. */
  /** Capability: data movement only. */
  readonly vectorCost = 0;

  constructor(readonly inShape: Shape, readonly outShape: Shape) {
    super();
    const inSize = inShape.reduce((a, b) => a * b, 1);
    const outSize = outShape.reduce((a, b) => a * b, 1);
    if (inSize !== outSize) {
      throw new Error(`DualReshape: [${inShape.join(', ')}] and [${outShape.join(', ')}] hold different numbers of elements`);
    }
  }

  /** Columns `[..., ...inShape]` viewed as `[..., ...outShape]`. */
  forward(xs: readonly Tensor[]): Tensor {
    const x = xs[xs.length - 1]!;
    return reshape(x, [...leadingAxes(x, this.inShape, 'DualReshape.forward'), ...this.outShape]);
  }

  /** ν `[B, K, ...outShape]` viewed as `[B, K, ...inShape]`. */
  T(nu: Tensor): Tensor {
    return reshape(nu, [...leadingAxes(nu, this.outShape, 'DualReshape.T'), ...this.inShape]);
  }
}
