/**
 * Dual of the identity map (the original's empty `nn.Sequential`, the skip branch of a
 * `Dense`): forward and transpose return their input; it adds no term to J.
 * @module
 */
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { leadingAxes } from '../dual.js';
import { ViewLayer } from './layer-base.js';

/** `x ↦ x` on columns `[..., ...shape]`. */
export class DualIdentity extends ViewLayer {
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** Capabilities: the identity map, free to apply. */
  readonly identity = true;
  readonly vectorCost = 0;

  /** @param shape - the per-example shape of input and output. */
  constructor(shape: Shape) {
    super();
    this.inShape = [...shape];
    this.outShape = [...shape];
  }

  /** Returns the latest columns unchanged (after checking their shape). */
  forward(xs: readonly Tensor[]): Tensor {
    const x = xs[xs.length - 1]!;
    leadingAxes(x, this.inShape, 'DualIdentity.forward');
    return x;
  }

  /** Returns ν unchanged. */
  T(nu: Tensor): Tensor {
    leadingAxes(nu, this.outShape, 'DualIdentity.T');
    return nu;
  }
}
