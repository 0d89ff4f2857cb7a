/**
 * Dual of `BatchNorm2d` (the original's `DualBatchNorm2d`, Wong, Schmidt, Metzen & Kolter,
 * NeurIPS 2018). With fixed statistics μ, σ² the layer is a per-channel affine map
 *
 *   z_{i+1} = D ⊙ z_i + s,   D_c = γ_c / √(σ²_c + eps),   s_c = β_c − γ_c μ_c / √(σ²_c + eps),
 *
 * so its linear part is the diagonal D (its own transpose: ν̂_i = D ⊙ ν_{i+1}) and its term is the
 * shift's, `−⟨ν_{i+1}, s̃⟩` with s̃ = s repeated over H×W (a {@link BiasTerm}).
 *
 * Statistics: in eval mode the running mean and variance (the bound then describes exactly the
 * network `nn.BatchNorm2d.forward` computes). In training mode the mean and the **biased**
 * variance of the layer's input over the batch, as `nn.BatchNorm2d` normalises with. The bound
 * then holds for the affine network with those statistics frozen at the clean batch (a perturbed
 * example would move the statistics of the whole batch). Unlike the original, whose batch
 * statistics are detached and use the unbiased variance, μ and σ² here are differentiable, so
 * the gradient of the robust loss reaches the earlier layers through them as in ordinary BN
 * training. The running buffers are never touched.
 * @module
 */
import { add, div, expand, mul, reshape, sqrt, sub } from '../../autograd/index.js';
import { channelStatistics } from '../primal.js';
import type { BatchNorm2d } from '../../nn/batchnorm2d.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { leadingAxes } from '../dual.js';
import { BiasTerm } from './bias.js';
import { TermLayer } from './layer-base.js';

/** `x ↦ D ⊙ x` per channel on `[..., C, H, W]` columns, with the shift s̃ as its term. */
export class DualBatchNorm2d extends TermLayer {
  readonly reads = [1] as const;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** D as `[C, 1, 1]`. */
  private readonly scale: Tensor;
  protected readonly term: BiasTerm;

  /**
   * The dual of a per-channel affine map `D ⊙ x + s`.
   * @param scale - D `[C]` (differentiable).
   * @param shift - s `[C]` (differentiable).
   * @param inShape - the per-example shape `[C, H, W]`.
   */
  constructor(scale: Tensor, shift: Tensor, inShape: Shape) {
    super();
    if (inShape.length !== 3) throw new Error(`DualBatchNorm2d: input shape must be [C, H, W], got [${inShape.join(', ')}]`);
    const C = inShape[0]!;
    for (const [name, t] of [['scale', scale], ['shift', shift]] as const) {
      if (t.rank !== 1 || t.shape[0] !== C) throw new Error(`DualBatchNorm2d: ${name} must be [${C}], got [${t.shape.join(', ')}]`);
    }
    this.inShape = [...inShape];
    this.outShape = [...inShape];
    this.scale = reshape(scale, [C, 1, 1]);
    this.term = new BiasTerm(expand(reshape(shift, [1, C, 1, 1]), [1, ...inShape]));
  }

  /**
   * The dual of `layer` with its eval statistics (running mean / variance) or, in training
   * mode, the batch statistics of `input`, the layer's input over the whole batch `[B, C, H, W]`.
   * @throws Error when the layer is in training mode and `input` is missing or has the wrong
   *   shape, or when it holds a single value per channel.
   */
  static fromLayer(layer: BatchNorm2d, inShape: Shape, input?: Tensor): DualBatchNorm2d {
    const C = layer.numFeatures;
    if (inShape.length !== 3 || inShape[0] !== C) {
      throw new Error(`DualBatchNorm2d: input shape must be [${C}, H, W], got [${inShape.join(', ')}]`);
    }
    const { mu, variance } = layer.training ? batchStatistics(input, inShape) : { mu: layer.runningMean, variance: layer.runningVar };
    const inverseStd = div(1, sqrt(add(variance, layer.eps)));
    const scale = mul(layer.weight, inverseStd);
    return new DualBatchNorm2d(scale, sub(layer.bias, mul(mu, scale)), inShape);
  }

  /** Columns `[..., C, H, W]` ↦ `D ⊙ x` (no shift). */
  forward(xs: readonly Tensor[]): Tensor {
    const x = xs[xs.length - 1]!;
    leadingAxes(x, this.inShape, 'DualBatchNorm2d.forward');
    return mul(x, this.scale);
  }

  /** ν at the output `[B, K, C, H, W]` ↦ `D ⊙ ν` (D is diagonal, so it is its own transpose). */
  T(nu: Tensor): Tensor {
    leadingAxes(nu, this.outShape, 'DualBatchNorm2d.T');
    return mul(nu, this.scale);
  }
}

/** Per-channel mean and biased variance `[C]` of `input` `[B, C, H, W]` (differentiable). */
function batchStatistics(input: Tensor | undefined, inShape: Shape): { mu: Tensor; variance: Tensor } {
  if (!input) throw new Error('DualBatchNorm2d: a BatchNorm2d in training mode needs the batch of its inputs (argument input)');
  const shapeOk = input.rank === 4 && inShape.every((d, i) => input.shape[i + 1] === d);
  if (!shapeOk) throw new Error(`DualBatchNorm2d: input must be [B, ${inShape.join(', ')}], got [${input.shape.join(', ')}]`);
  return channelStatistics(input);
}
