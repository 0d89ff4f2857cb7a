/**
 * Batch normalisation over the channels of [B, C, H, W], PyTorch `nn.BatchNorm2d` (affine, with
 * running statistics): y = (x − μ) / √(σ² + eps) · γ + β per channel.
 *
 * - Training mode: μ, σ² are the batch's per-channel mean and biased variance over the
 *   n = B·H·W values; the running buffers move as r ← (1 − momentum) · r + momentum · s, where
 *   s is μ for `running_mean` and the unbiased variance σ² · n/(n − 1) for `running_var`, and
 *   `num_batches_tracked` counts the updates.
 * - Eval mode: μ = `running_mean`, σ² = `running_var` (then the layer is affine, which is how
 *   the dual network treats it).
 * @module
 */
import { add, div, mean, mul, noGrad, reshape, sqrt, square, sub } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { checkPositiveInt } from './linear.js';
import { Module } from './module.js';

/** Options of {@link BatchNorm2d}; defaults are PyTorch's. */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
}

/** Per-channel normalisation with parameters `weight` (γ) and `bias` (β), both [C]. */
export class BatchNorm2d extends Module {
  readonly kind = 'batchnorm2d' as const;
  readonly eps: number;
  readonly momentum: number;

  /** @param numFeatures - the channel count C. */
  constructor(readonly numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkPositiveInt('BatchNorm2d', { numFeatures });
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.registerParameter('weight', Tensor.ones([numFeatures]));
    this.registerParameter('bias', Tensor.zeros([numFeatures]));
    this.registerBuffer('running_mean', Tensor.zeros([numFeatures]));
    this.registerBuffer('running_var', Tensor.ones([numFeatures]));
    this.registerBuffer('num_batches_tracked', Tensor.zeros([], 'float64'), true);
  }

  /** γ [C]. */
  get weight(): Tensor { return this.parameter('weight'); }
  /** β [C]. */
  get bias(): Tensor { return this.parameter('bias'); }
  /** Running mean [C]. */
  get runningMean(): Tensor { return this.buffer('running_mean'); }
  /** Running (unbiased) variance [C]. */
  get runningVar(): Tensor { return this.buffer('running_var'); }
  /** Number of training-mode forward passes so far. */
  get numBatchesTracked(): number { return this.buffer('num_batches_tracked').data[0]!; }

  /** x [B, C, H, W] → same shape. */
  forward(x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.numFeatures) {
      throw new Error(`BatchNorm2d: input must be [B, ${this.numFeatures}, H, W], got [${x.shape.join(', ')}]`);
    }
    const C = this.numFeatures;
    const { mu, variance } = this.training ? this.batchStatistics(x) : {
      mu: reshape(this.runningMean, [1, C, 1, 1]),
      variance: reshape(this.runningVar, [1, C, 1, 1]),
    };
    const normalised = div(sub(x, mu), sqrt(add(variance, this.eps)));
    return add(mul(normalised, reshape(this.weight, [1, C, 1, 1])), reshape(this.bias, [1, C, 1, 1]));
  }

  /** Batch mean and biased variance [1, C, 1, 1] (differentiable), and the running-buffer update. */
  private batchStatistics(x: Tensor): { mu: Tensor; variance: Tensor } {
    const n = x.size / this.numFeatures;
    if (n < 2) throw new Error(`BatchNorm2d: training needs more than 1 value per channel, got input [${x.shape.join(', ')}]`);
    const mu = channelMean(x);
    const variance = channelMean(square(sub(x, mu)));
    noGrad(() => {
      const m = this.momentum;
      blend(this.runningMean.data, mu.data, m, 1);
      blend(this.runningVar.data, variance.data, m, n / (n - 1));
      this.buffer('num_batches_tracked').data[0]! += 1;
    });
    return { mu, variance };
  }
}

/** Mean over axes 0, 2, 3 of [B, C, H, W], kept as [1, C, 1, 1]. */
function channelMean(x: Tensor): Tensor {
  return mean(mean(mean(x, 3, true), 2, true), 0, true);
}

/** `running[c] ← (1 − m) · running[c] + m · scale · batch[c]`. */
function blend(running: Float32Array | Float64Array, batch: Float32Array | Float64Array, m: number, scale: number): void {
  for (let c = 0; c < running.length; c++) running[c] = (1 - m) * running[c]! + m * scale * batch[c]!;
}
