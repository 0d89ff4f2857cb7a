/**
 * Pooling layers, PyTorch `nn.MaxPool2d` and `nn.AvgPool2d` (`ceil_mode = False`; AvgPool with
 * `count_include_pad = True`): x [B, C, H, W] → [B, C, Ho, Wo], Ho = ⌊(H + 2p − k)/s⌋ + 1. No
 * parameters. AvgPool is linear (a per-channel convolution with the constant kernel 1/k²);
 * MaxPool is piecewise linear and needs its own relaxation in `src/relax`.
 * @module
 */
import { avgPool2d, maxPool2d, poolGeometry, type Pool2dGeometry } from '../autograd/ops/pool.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Window, stride (default: the window, as PyTorch) and zero padding (default 0). */
export interface PoolOptions {
  stride?: number;
  padding?: number;
}

/** The shared geometry of the two pooling layers (square windows, as the descriptions hold). */
abstract class Pool2d extends Module {
  readonly stride: number;
  readonly padding: number;

  /**
   * @param label - the class name, for messages.
   * @param kernel - the window size k (≥ 1); stride ≥ 1; padding in [0, k/2].
   */
  constructor(private readonly label: string, readonly kernel: number, options: PoolOptions) {
    super();
    this.stride = options.stride ?? kernel;
    this.padding = options.padding ?? 0;
    poolGeometry(label, [1, 1, kernel, kernel], this);
  }

  /** The resolved window geometry for an input of per-example shape [C, H, W]. */
  geometry(inputShape: readonly number[]): Pool2dGeometry {
    return poolGeometry(this.label, inputShape, this);
  }

  /** Output [C, Ho, Wo] for an input of per-example shape [C, H, W]. */
  outputShape(inputShape: readonly number[]): [number, number, number] {
    const { out } = this.geometry(inputShape);
    return [inputShape[0]!, out[0], out[1]];
  }
}

/** Largest value of each window (padding never wins). */
export class MaxPool2d extends Pool2d {
  readonly kind = 'maxPool2d' as const;

  /** @param kernel - window k; options: stride (default k), padding (default 0). */
  constructor(kernel: number, options: PoolOptions = {}) {
    super('MaxPool2d', kernel, options);
  }

  /** x [B, C, H, W] → [B, C, Ho, Wo]. */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this);
  }
}

/** Mean of each window, padded zeros counted (divisor k²). */
export class AvgPool2d extends Pool2d {
  readonly kind = 'avgPool2d' as const;

  /** @param kernel - window k; options: stride (default k), padding (default 0). */
  constructor(kernel: number, options: PoolOptions = {}) {
    super('AvgPool2d', kernel, options);
  }

  /** x [B, C, H, W] → [B, C, Ho, Wo]. */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this);
  }
}
